import { checkOpenStack } from '../infra/openstack/check-openstack';
import type { DoctorCheck } from './doctor-check';

/** compute.provider openstack: auth, image, flavors, network and extra security groups found (one row each). */
export const checkOpenStackCompute: DoctorCheck = async ({ config, env }) => {
  const openstack = config.compute.openstack;
  if (!openstack) return [];
  const findings = await checkOpenStack({ config: openstack, repositories: config.repositories, env });
  return findings.map((finding) => ({
    check: `openstack ${finding.what}`,
    status: finding.ok ? 'ok' : 'fail',
    detail: finding.detail,
    ...(finding.ok ? {} : { hint: 'check compute.openstack in sandbox.yml and the cloud (see docs/openstack.md)' }),
  }));
};
