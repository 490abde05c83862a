import type { Knex } from 'knex';
import { CHAT_TEXTS } from './texts';
import { languageFromProfile } from './lookup';
import { text } from './respond';
import type { EventContext, EventHandler } from './context';
import { isLanguage, type Language } from '../render';
import { linkRichMenu } from '../rich-menu';
import { withMenu } from './menu';

/**
 * follow/unfollow set users.is_friend (the bound-user check of S102), compare-and-set on the
 * event's timestamp: an older event delivered late never undoes a newer one.
 * Returns whether this event was the newest so far.
 */
export async function applyFriendship(knex: Knex, userId: string, isFriend: boolean, eventMs: number): Promise<boolean> {
  const result = await knex.raw(
    `insert into users (user_id, is_friend, friend_event_ms) values (?, ?, ?)
     on conflict (user_id) do update set is_friend = excluded.is_friend, friend_event_ms = excluded.friend_event_ms
      where users.friend_event_ms is null or users.friend_event_ms < excluded.friend_event_ms
     returning user_id`,
    [userId, isFriend, eventMs],
  );
  return result.rows.length > 0;
}

export const handleFollow: EventHandler = async (ctx, event, userId) => {
  if (!(await applyFriendship(ctx.knex, userId, true, event.timestampMs))) return 'ignored';
  // Name and language come from the profile, which LINE shows only to friends; a language the
  // user chose in chat outlives a block and a new follow.
  const profile = await ctx.line.getProfile(userId);
  const row = await ctx.knex('users').where({ user_id: userId }).first('language', 'language_chosen');
  const chosen = row?.language_chosen === true && isLanguage(row.language) ? row.language : undefined;
  const language = chosen ?? languageFromProfile(profile?.language);
  if (profile) await ctx.knex('users').where({ user_id: userId }).update({ display_name: profile.displayName, language });
  await ctx.responder.respond(event, userId, [withMenu(text(CHAT_TEXTS[language].welcome), language)], 'welcome');
  await linkMenu(ctx, userId, language);
  return 'done';
};

/** The rich menu of the user's language; the menu is a convenience, so LINE refusing it never fails the event. */
export async function linkMenu(ctx: EventContext, userId: string, language: Language): Promise<void> {
  await linkRichMenu(ctx.settings, ctx.knex, userId, language).catch((err) =>
    ctx.log(`line inbox: rich menu not linked for a user: ${err instanceof Error ? err.message : String(err)}`),
  );
}

export const handleUnfollow: EventHandler = async (ctx, event, userId) =>
  (await applyFriendship(ctx.knex, userId, false, event.timestampMs)) ? 'done' : 'ignored';
