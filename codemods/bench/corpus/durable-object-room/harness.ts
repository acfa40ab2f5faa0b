import { RecordingSocket, socketsState, withClock } from '../kit.js';
import { ChatRoom } from './manager.js';

export async function run(): Promise<unknown[]> {
  const clock = { at: 0 };
  const log: unknown[] = [];
  const s = ['s1', 's2', 's3'].map((id) => new RecordingSocket(id));
  await withClock(clock, () => {
    const room = new ChatRoom(30_000);
    room.webSocketOpen('s1', s[0]!, 'ana');
    clock.at = 1_000;
    room.webSocketOpen('s2', s[1]!, 'ben');
    room.webSocketOpen('s3', s[2]!, 'cai');
    room.webSocketMessage('s2', 'hello all');
    room.webSocketMessage('nobody', 'ignored');
    clock.at = 25_000;
    room.webSocketMessage('s1', 'pong');
    room.webSocketMessage('s3', 'pong');
    clock.at = 40_000;
    log.push(room.alarm(), room.members());
    room.webSocketClose('s3');
    log.push(room.members(), room.alarm());
  });
  log.push(socketsState(s));
  return log;
}
