import { RecordingSocket, socketsState, withClock } from '../kit.js';
import { Realm } from './manager.js';

export async function run(): Promise<unknown[]> {
  const clock = { at: 100 };
  const log: unknown[] = [];
  const s = ['p1', 'p2', 'p1-again'].map((id) => new RecordingSocket(id));
  await withClock(clock, () => {
    const realm = new Realm();
    log.push(realm.register('p1', 't1', s[0]!), realm.register('p2', 't2', s[1]!), realm.register('p1', 'tx', s[2]!));
    log.push(realm.tokenMatches('p1', 't1'), realm.tokenMatches('p1', 'tx'), realm.tokenMatches('p9', 't1'));
    log.push(realm.relay({ type: 'OFFER', src: 'p1', dst: 'p2' }), realm.relay({ type: 'ANSWER', src: 'p2', dst: 'p9' }));
    clock.at = 40_000;
    realm.heartbeat('p2');
    clock.at = 61_000;
    log.push(realm.expire(60_000), realm.clientIds());
    log.push(realm.relay({ type: 'CANDIDATE', src: 'p2', dst: 'p1' }));
  });
  log.push(socketsState(s));
  return log;
}
