import { build } from 'esbuild';

/**
 * The LIFF SDK (`@line/liff`) for our pages. The package ships ES modules that import their
 * siblings by bare name, which a browser cannot resolve, so it is bundled once, in memory, into
 * one script that defines `window.liff` — served from our origin like every other page script
 * (the pages' CSP allows only our own scripts).
 */
let bundled: Promise<Buffer> | undefined;

export function liffSdkScript(): Promise<Buffer> {
  bundled ??= build({
    stdin: { contents: "import liff from '@line/liff'; window.liff = liff;", resolveDir: __dirname, loader: 'js' },
    bundle: true,
    format: 'iife',
    minify: true,
    platform: 'browser',
    target: 'es2020',
    write: false,
    logLevel: 'silent',
  }).then((result) => Buffer.from(result.outputFiles[0]!.contents));
  return bundled;
}
