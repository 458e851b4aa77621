/**
 * Issue 15: the OpenStack provider against the real stack of
 * scripts/openstack-up.sh (Nova's fake driver; SSH mapped to a loopback
 * sshd). A no-op script recipe, request → VM ACTIVE → appserver running, over
 * `runs` sandboxes, against the floor of the raw API calls alone (POST
 * /servers, poll until ACTIVE at the same interval). The ratio is what the
 * bot adds: lookups, key pair, security group, SSH, deploy, health check.
 * Starting the stack takes minutes; SBX_OPENSTACK_DIR reuses one that is up.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Actor } from '../../src/core/model';
import { archive, requestDeployment } from '../../src/core/operations/operations';
import { createOpenStackClient } from '../../src/infra/openstack/client';
import {
  bootServer,
  deleteServer,
  ensureKeypair,
  findFlavor,
  findImage,
  findNetwork,
  listServersByPrefix,
} from '../../src/infra/openstack/resources';
import { publicKeyOf } from '../../src/infra/openstack/cloud-init';
import { waitForActive, waitForGone } from '../../src/infra/openstack/wait-for-server';
import { startOpenStack } from '../../test/support/openstack-stack';
import { createSampleRepo } from '../../test/support/sample-repo';
import { startSshd } from '../../test/support/sshd';
import type { BenchResult } from '../run';
import { percentile, startBenchBot, type BenchBot } from '../support/bench-bot';
import { createBareSandbox } from '../../test/support/manual-sandbox';
import { sampleRepositoryYml } from '../../test/support/sandbox-yml';

const actor: Actor = { surface: 'cli', id: 'bench' };
const runs = 5;
const pollMs = 250;
// Key pairs outlive a run; a stack reused through SBX_OPENSTACK_DIR holds other runs' keys.
const keyName = `sbx-bench-${process.pid}-${Date.now()}`;

export default async function openstackBoot(): Promise<BenchResult> {
  const [stack, sshd] = await Promise.all([startOpenStack(), startSshd()]);
  const repo = createSampleRepo();
  const dir = mkdtempSync(join(tmpdir(), 'sbx-bench-os-'));
  let bench: BenchBot | undefined;
  try {
    const keyPath = join(dir, 'id_bot');
    writeFileSync(keyPath, sshd.privateKey, { mode: 0o600 });
    const env = {
      OS_APP_ID: stack.env.application_credential_id,
      OS_APP_SECRET: stack.env.application_credential_secret,
    };
    const os = createOpenStackClient({
      authUrl: stack.env.auth_url,
      auth: { kind: 'application_credential', id: env.OS_APP_ID, secret: env.OS_APP_SECRET },
      region: 'RegionOne',
      interface: 'public',
    });

    // The floor: the raw calls, lookups done once beforehand.
    const [image, flavor, network] = [
      await findImage(os, stack.env.image),
      await findFlavor(os, stack.env.flavors[0]!),
      await findNetwork(os, stack.env.network),
    ];
    // The key pair the bot makes from the same key (it reuses a pair holding its key).
    await ensureKeypair(os, keyName, publicKeyOf(sshd.privateKey));
    const raw: number[] = [];
    for (let run = 0; run < runs; run += 1) {
      const started = performance.now();
      const id = await bootServer(os, {
        name: `sbxb-raw-${run}`,
        imageId: image.id,
        flavorId: flavor.id,
        networkId: network.id,
        keyName,
        securityGroupIds: [],
        metadata: {},
        userData: '#cloud-config\n',
      });
      await waitForActive(os, id, `sbxb-raw-${run}`, { timeoutMs: 120_000, intervalMs: pollMs });
      raw.push(performance.now() - started);
      await deleteServer(os, id);
      await waitForGone(os, id, `sbxb-raw-${run}`, { timeoutMs: 60_000, intervalMs: pollMs });
    }

    bench = await startBenchBot(
      `
base_domain: bench.test
repositories:
${sampleRepositoryYml('acme/sample', repo.url)}
compute:
  provider: openstack
  openstack:
    auth_url: ${stack.env.auth_url}
    application_credential_id_env: OS_APP_ID
    application_credential_secret_env: OS_APP_SECRET
    image: ${stack.env.image}
    network: ${stack.env.network}
    flavor: ${stack.env.flavors[0]}
    name_prefix: sbxb-
    key_name: ${keyName}
    ssh: { user: root, private_key_path: ${keyPath} }
    work_root: ${join(dir, 'work')}
    port_range: [31600, 31699]
    poll_interval: ${pollMs}ms
    ssh_override: { address: 127.0.0.1, port: ${sshd.port}, host_key_fingerprint: "${sshd.hostKeyFingerprint}" }
`,
      env,
    );
    const store = bench.bot.provisioning.store;
    const full: number[] = [];
    const active: number[] = [];
    for (let run = 0; run < runs; run += 1) {
      const instance = await createBareSandbox(store, {
        slug: `bench${run}`,
        repository: { name: 'acme/sample', url: repo.url },
        baseDomain: 'bench.test',
        actor,
      });
      const started = performance.now();
      await requestDeployment({ store }, instance, { actor });
      let activeAt: number | null = null;
      for (;;) {
        const appserver = await store.findAppserver(instance.id, 1);
        if (activeAt === null && appserver?.hostId) activeAt = performance.now();
        if (appserver?.state === 'running') break;
        if (appserver && ['failed', 'error'].includes(appserver.state))
          throw new Error(`bench${run}: ${appserver.state}: ${appserver.failureReason}`);
        if (performance.now() - started > 180_000) throw new Error(`bench${run} not running within 180 s`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      full.push(performance.now() - started);
      if (activeAt !== null) active.push(activeAt - started);
      await archive({ store }, (await store.getInstance(instance.id))!, { actor });
      for (let wait = 0; (await listServersByPrefix(os, 'sbxb-')).length > 0; wait += 1) {
        if (wait > 600) throw new Error(`bench${run}: VM not deleted after archive`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    const rawP50 = percentile(raw, 50);
    const fullP50 = percentile(full, 50);
    return {
      metrics: {
        runs,
        stack_startup_s: stack.startupSeconds,
        raw_post_to_active_ms_p50: rawP50,
        bot_request_to_vm_placed_ms_p50: percentile(active, 50),
        bot_request_to_running_ms_p50: fullP50,
        bot_request_to_running_ms_max: Math.max(...full),
        ratio_running_vs_raw_p50: fullP50 / rawP50,
      },
      notes:
        'Real Keystone/Nova/Neutron/Glance (Zed, fake virt driver); SSH after ACTIVE goes to a loopback sshd (ssh_override). "placed" = VM ACTIVE, SSH answered, host recorded. Poll interval 250 ms for both.',
    };
  } finally {
    await bench?.stop();
    await Promise.all([sshd.stop(), stack.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
}
