import type { TestNetworkNoAppView } from '@atproto/dev-env';

export interface PdsAccount {
  did: string;
  handle: string;
  password: string;
  accessJwt: string;
}
export interface RunningPds {
  /** http://localhost:<port>, as the DID documents name it */
  pdsUrl: string;
  plcUrl: string;
  network: TestNetworkNoAppView;
  /** Creates `<name>.test`. */
  createAccount(name: string): Promise<PdsAccount>;
  /** Writes a record into the account's repo (createRecord, or putRecord with `rkey`). */
  putRecord(
    account: PdsAccount,
    collection: string,
    record: Record<string, unknown>,
    rkey?: string,
  ): Promise<{ uri: string; cid: string }>;
  stop(): Promise<void>;
}
export function startPds(): Promise<RunningPds>;
