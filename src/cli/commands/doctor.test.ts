import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as torch from '../../torch/index.js';
import { distributedCheck, probeGloo } from './doctor.js';

void test('doctor: the Gloo probe runs a one-rank allreduce on this libtorch', async () => {
  const gloo = await probeGloo();
  assert.deepEqual(gloo, { ok: true, detail: 'ProcessGroupGloo: one-rank allreduce ok' });
});

void test("doctor: NCCL is read from libtorch's build settings", () => {
  const yes = { ok: true, detail: '' };
  assert.match(distributedCheck(yes, 'USE_NCCL=ON, USE_MPI=OFF', 2).value, /Gloo: yes; NCCL: yes$/);
  assert.match(distributedCheck(yes, 'USE_NCCL=1', 0).value, /NCCL: built in, no GPU/);
  assert.match(distributedCheck(yes, 'USE_NCCL=OFF', 0).value, /NCCL: no/);
  const broken = distributedCheck({ ok: false, detail: 'no gloo' }, '', 0);
  assert.equal(broken.ok, false);
  assert.match(broken.fix!, /libgloo-dev/);
  // This machine's Debian libtorch is built without NCCL (python3-torch agrees: is_nccl_available() is False).
  assert.match(distributedCheck(yes, torch.showConfig(), 0).value, /NCCL: no/);
});
