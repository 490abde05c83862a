import { randomBytes } from 'node:crypto';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { RICH_MENU_IMAGE_MAX_BYTES, RICH_MENU_IMAGE_TYPES } from './contract';
import { bearerToken, lineError, validationError } from './http';
import type { ResolvedOptions } from './options';
import type { LineEmulatorState } from './state';
import { validateRichMenu } from './validate';

/**
 * The rich-menu endpoints of the Messaging API ([openapi] createRichMenu, getRichMenu,
 * getRichMenuList, deleteRichMenu, setRichMenuImage and getRichMenuImage on api-data.line.me,
 * setDefaultRichMenu, getDefaultRichMenuId, cancelDefaultRichMenu, linkRichMenuIdToUser,
 * getRichMenuIdOfUser, unlinkRichMenuIdFromUser), checked as [ref] #rich-menu says LINE checks
 * them. Mounted before the JSON-only routes: the image is a PNG or JPEG body, and the
 * default/link calls have no body at all.
 */
const USER_ID_PATTERN = /^U[0-9a-f]{32}$/;

export function richMenuRoutes(state: LineEmulatorState, options: ResolvedOptions): Router {
  const router = Router();
  const auth = (req: Request, res: Response, next: NextFunction) => {
    const token = bearerToken(req);
    if (!token || !options.channelAccessTokens.includes(token))
      return lineError(res, 401, 'Authentication failed. Confirm that the access token in the authorization header is valid.');
    next();
  };
  const menuOr404 = (req: Request, res: Response) => {
    const menu = state.richMenu(String(req.params.richMenuId));
    if (!menu) lineError(res, 404, 'Not found');
    return menu;
  };

  router.post('/v2/bot/richmenu', auth, express.json({ limit: '1mb' }), (req, res) => {
    if (!req.is('application/json')) return lineError(res, 415, 'Unsupported Media Type');
    const body = (req.body ?? {}) as Record<string, unknown>;
    const details = validateRichMenu(body, { allowLoopbackHttpMedia: options.allowLoopbackHttpMedia });
    if (details.length > 0) return validationError(res, details);
    const richMenuId = `richmenu-${randomBytes(16).toString('hex')}`;
    state.addRichMenu({
      richMenuId,
      size: body.size as { width: number; height: number },
      selected: body.selected as boolean,
      name: body.name as string,
      chatBarText: body.chatBarText as string,
      areas: body.areas as unknown[],
    });
    res.json({ richMenuId });
  });

  router.get('/v2/bot/richmenu/list', auth, (_req, res) => {
    res.json({ richmenus: state.listRichMenus().map(({ image: _image, ...menu }) => menu) });
  });

  router.post(
    '/v2/bot/richmenu/:richMenuId/content',
    auth,
    express.raw({ type: () => true, limit: RICH_MENU_IMAGE_MAX_BYTES }),
    (req, res) => {
      const menu = menuOr404(req, res);
      if (!menu) return;
      const contentType = (req.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      if (!RICH_MENU_IMAGE_TYPES.includes(contentType)) return lineError(res, 415, 'Unsupported Media Type');
      if (menu.image) return lineError(res, 400, 'An image has already been uploaded to the richmenu');
      const body = req.body as Buffer;
      const size = imageSize(contentType, body);
      if (!size) return lineError(res, 400, 'The image could not be read');
      if (size.width !== menu.size.width || size.height !== menu.size.height)
        return lineError(
          res,
          400,
          `The image size (${size.width}x${size.height}) does not match the rich menu (${menu.size.width}x${menu.size.height})`,
        );
      menu.image = { contentType, body };
      res.json({});
    },
  );

  router.get('/v2/bot/richmenu/:richMenuId/content', auth, (req, res) => {
    const menu = menuOr404(req, res);
    if (!menu) return;
    if (!menu.image) return lineError(res, 404, 'Not found');
    res.type(menu.image.contentType).send(menu.image.body);
  });

  router.get('/v2/bot/richmenu/:richMenuId', auth, (req, res) => {
    const menu = menuOr404(req, res);
    if (!menu) return;
    const { image: _image, ...shown } = menu;
    res.json(shown);
  });

  router.delete('/v2/bot/richmenu/:richMenuId', auth, (req, res) => {
    if (!state.deleteRichMenu(String(req.params.richMenuId))) return lineError(res, 404, 'Not found');
    res.json({});
  });

  router.post('/v2/bot/user/all/richmenu/:richMenuId', auth, (req, res) => {
    const menu = menuOr404(req, res);
    if (!menu) return;
    if (!menu.image) return lineError(res, 400, 'must upload richmenu image before applying it to user');
    state.defaultRichMenuId = menu.richMenuId;
    res.json({});
  });

  router.get('/v2/bot/user/all/richmenu', auth, (_req, res) => {
    if (!state.defaultRichMenuId) return lineError(res, 404, 'no default richmenu');
    res.json({ richMenuId: state.defaultRichMenuId });
  });

  router.delete('/v2/bot/user/all/richmenu', auth, (_req, res) => {
    state.defaultRichMenuId = undefined;
    res.json({});
  });

  router.post('/v2/bot/user/:userId/richmenu/:richMenuId', auth, (req, res) => {
    const userId = String(req.params.userId);
    if (!USER_ID_PATTERN.test(userId)) return lineError(res, 400, "The value for the 'userId' parameter is invalid");
    const menu = menuOr404(req, res);
    if (!menu) return;
    if (!menu.image) return lineError(res, 400, 'must upload richmenu image before applying it to user');
    state.linkRichMenu(userId, menu.richMenuId);
    res.json({});
  });

  router.get('/v2/bot/user/:userId/richmenu', auth, (req, res) => {
    const richMenuId = state.richMenuOf(String(req.params.userId));
    if (!richMenuId) return lineError(res, 404, 'the user has no richmenu');
    res.json({ richMenuId });
  });

  router.delete('/v2/bot/user/:userId/richmenu', auth, (req, res) => {
    state.unlinkRichMenu(String(req.params.userId));
    res.json({});
  });

  return router;
}

/** Width and height from a PNG's IHDR or a JPEG's SOF marker; undefined when it is neither. */
export function imageSize(contentType: string, bytes: Buffer): { width: number; height: number } | undefined {
  if (contentType === 'image/png') {
    if (bytes.length < 24 || bytes.readUInt32BE(0) !== 0x89504e47 || bytes.toString('latin1', 12, 16) !== 'IHDR') return undefined;
    return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
  }
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return undefined;
  for (let i = 2; i + 9 < bytes.length;) {
    if (bytes[i] !== 0xff) return undefined;
    const marker = bytes[i + 1]!;
    const length = bytes.readUInt16BE(i + 2);
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc)
      return { height: bytes.readUInt16BE(i + 5), width: bytes.readUInt16BE(i + 7) };
    i += 2 + length;
  }
  return undefined;
}
