import { loadSettings } from '../config/settings';
import { createKnex } from '../db/knex';
import { installRichMenus } from './rich-menu';

/**
 * `npm run rich-menu`: creates the rich menus (zh-TW, en) on LINE through the Messaging API,
 * makes the zh-TW one the default and records both (users are linked to their language's menu
 * when they add us or switch language). Needs DATABASE_URL and the LINE channel settings; run it
 * again after changing the menu or PUBLIC_BASE_URL.
 */
async function main(): Promise<void> {
  const settings = loadSettings(process.env);
  if (!settings.databaseUrl) throw new Error('DATABASE_URL is required');
  const knex = createKnex(settings.databaseUrl);
  try {
    const created = await installRichMenus(settings, knex);
    for (const [language, id] of Object.entries(created)) console.log(`rich menu ${language}: ${id}`);
  } finally {
    await knex.destroy();
  }
}

main().catch((err) => {
  console.error(`rich-menu: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
