import { describe, expect, it } from 'vitest';
import { restoreHint } from '../../src/core/campaigns/tick-campaign';
import type { Campaign, CampaignItem } from '../../src/core/ports/campaigns';
import { renderCampaignFailures, renderCampaignProgress } from '../../src/infra/slack/render/render-campaign';

const campaign = { id: 4, tag: 'up', state: 'failed', options: {} } as unknown as Campaign;
const item = (slug: string, state: CampaignItem['state'], extra: Partial<CampaignItem> = {}): CampaignItem =>
  ({ id: 1, slug, state, batch: 1, attempts: 1, snapshotId: null, failureReason: null, ...extra }) as CampaignItem;

describe('campaign messages in Slack', () => {
  it('a failed item with persistent databases names the snapshot that restores it, even after a long reason', () => {
    const long = `deploy phase exited with status 3: ${'x'.repeat(1_000)}`;
    const failed = item('db-one', 'failed', {
      snapshotId: 7,
      failureReason: `${long}${restoreHint({ slug: 'db-one', snapshotId: 7 })}`,
    });
    const text = JSON.stringify(renderCampaignFailures({ campaign, items: [failed, item('ok', 'succeeded')] }).view);
    expect(text).toContain('snapshot 7 holds its databases from before: npx sbx db restore db-one 7');
    expect(text).not.toContain('`ok`');
    expect(text.length).toBeLessThan(1_200);
  });

  it('the progress message counts items per state and is final once the campaign is', () => {
    const items = [item('a', 'succeeded'), item('b', 'failed', { failureReason: 'boom' }), item('c', 'pending')];
    const running = renderCampaignProgress({ campaign: { ...campaign, state: 'running' }, items }, 'U1');
    expect(running.done).toBe(false);
    expect(running.view.text).toBe('Campaign 4 (up): running, 2/3 done');
    expect(JSON.stringify(running.view.blocks)).toContain('1 pending, 1 succeeded, 1 failed');
    expect(JSON.stringify(running.view.blocks)).not.toContain('`c`');
    expect(renderCampaignProgress({ campaign, items }, null).done).toBe(true);
  });

  it('the progress message offers Pause or Resume, and Cancel with a confirmation, only while the campaign can change', () => {
    const items = [item('a', 'pending')];
    const buttons = (state: Campaign['state']) =>
      (renderCampaignProgress({ campaign: { ...campaign, state }, items }, null).view.blocks ?? [])
        .filter((b) => b.type === 'actions')
        .flatMap((b) => (b as { elements: { action_id: string; value: string; confirm?: unknown }[] }).elements);
    expect(buttons('running').map((b) => [b.action_id, b.value])).toEqual([
      ['sbx_campaign_pause', '4'],
      ['sbx_campaign_stop', '4'],
    ]);
    expect(buttons('running')[1]!.confirm).toMatchObject({ title: { text: 'Cancel campaign 4?' } });
    expect(buttons('paused').map((b) => b.action_id)).toEqual(['sbx_campaign_resume', 'sbx_campaign_stop']);
    for (const state of ['succeeded', 'failed', 'cancelled'] as const) expect(buttons(state)).toEqual([]);
  });
});
