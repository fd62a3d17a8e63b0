// Shared test plumbing: a loopback-permitting channel env for the stand-ins.
import {
  channelsConfig,
  createChannelEnv,
  type ChannelsConfigInput,
  type OwnedChannelEnv,
} from '../src/index.js';

export function loopbackEnv(input: ChannelsConfigInput = {}): OwnedChannelEnv {
  return createChannelEnv(
    channelsConfig({
      allowLoopback: true,
      allowHttp: true,
      timeouts: { totalMs: 3_000, connectMs: 2_000, dnsMs: 2_000 },
      ...input,
    }),
  );
}
