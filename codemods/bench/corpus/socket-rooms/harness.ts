import { RecordingSocket, socketsState, withClock } from '../kit.js';
import { RoomServer } from './manager.js';

export async function run(): Promise<unknown[]> {
  const log: unknown[] = [];
  const s = ['s1', 's2', 's3'].map((id) => new RecordingSocket(id));
  await withClock({ at: 3 }, () => {
    const server = new RoomServer();
    server.join('s1', 'u1', s[0]!, { name: 'Ida', room: 'lobby' });
    server.join('s2', 'u1', s[1]!, { name: 'Ida', room: 'lobby' });
    server.join('s3', 'u2', s[2]!, { name: 'Jo', room: 'game' });
    server.ping('s3');
    log.push(server.toRoom('lobby', 'hi lobby'));
    server.leave('s1');
    log.push(server.toRoom('lobby', 'again'), server.toRoom('game', 'gg'));
  });
  log.push(socketsState(s));
  return log;
}
