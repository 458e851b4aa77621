import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { defaultBodyLimit } from '@slack/bolt';
import type { Db } from '../infra/db/database';
import { BodyTooLargeError, readBody, refuseTooLarge } from '../infra/http/read-body';
import { sendText } from '../infra/http/router';
import { createSightingRecorder } from './seen-requests';

/** Slack's window: a request signed more than five minutes from our clock, either way, is refused. */
export const slackWindowSeconds = 5 * 60;

export interface SlackGuardOptions {
  signingSecret: string;
  db: Db;
  /** Milliseconds since the epoch (tests move the clock). */
  now?: () => number;
}

/**
 * Runs before Bolt's HTTP receiver on `/slack/events`: reads the body (at
 * most Bolt's 4 MiB, 413 beyond), and for a correctly signed request
 * refuses a timestamp more than five minutes off in either direction (Bolt
 * checks only the past) and a (timestamp, signature) seen before: a replay.
 * Seen signatures live in `slack_requests_seen`, shared by every web
 * replica, and are pruned past the window on each insert; requests that
 * arrive together are recorded together (one statement: seen-requests.ts).
 * Requests that are not correctly signed go on to Bolt, which refuses them
 * (401) or answers Slack's unsigned `ssl_check`. Returns true when it answered.
 * Socket Mode needs none of this: its events arrive over a WebSocket the
 * bot opened with the app token, not as signed requests anyone can resend.
 */
export function createSlackGuard({
  signingSecret,
  db,
  now = Date.now,
}: SlackGuardOptions): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const firstSighting = createSightingRecorder(db, slackWindowSeconds);
  return async (req, res) => {
    let body: Buffer;
    try {
      body = await readBody(req, defaultBodyLimit);
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      refuseTooLarge(req, res, error.limit);
      return true;
    }
    // Bolt reads the body from here instead of the (consumed) stream.
    Object.assign(req, { rawBody: body });
    const signature = req.headers['x-slack-signature'];
    const timestamp = Number(req.headers['x-slack-request-timestamp']);
    if (
      typeof signature !== 'string' ||
      !Number.isSafeInteger(timestamp) ||
      !signedBy(signingSecret, timestamp, body, signature)
    )
      return false;
    if (Math.abs(now() / 1000 - timestamp) > slackWindowSeconds) {
      sendText(
        res,
        401,
        'request timestamp is more than five minutes from the bot’s clock; check the clock (NTP) of the bot’s host\n',
      );
      return true;
    }
    if (!(await firstSighting({ signature, timestamp }))) {
      sendText(res, 401, 'this signed request was already received (a replay)\n');
      return true;
    }
    return false;
  };
}

function signedBy(secret: string, timestamp: number, body: Buffer, signature: string): boolean {
  const expected = Buffer.from(
    `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:`).update(body).digest('hex')}`,
  );
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
