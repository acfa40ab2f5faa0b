import { Server, ServerCredentials, type ServerWritableStream, type ServiceDefinition } from '@grpc/grpc-js';

/**
 * A stand-in for a flagd daemon's sync service (flagd.sync.v1.FlagSyncService/SyncFlags, the
 * stream an in-process provider reads definitions from): no flagd binary installs from the
 * registries here. It speaks the real protocol over real gRPC on loopback: each client gets the
 * current definition when it connects and every definition pushed after.
 */
export class FlagdSyncServer {
  readonly #server = new Server();
  readonly #streams = new Set<ServerWritableStream<unknown, string>>();
  #definition: string;

  constructor(definition: string) {
    this.#definition = definition;
    // SyncFlagsResponse { string flag_configuration = 1; ... }: one length-delimited field, encoded by hand.
    const encode = (text: string): Buffer => {
      const body = Buffer.from(text, 'utf8');
      const len: number[] = [];
      for (let n = body.length; ; n >>>= 7) {
        if (n < 0x80) {
          len.push(n);
          break;
        }
        len.push((n & 0x7f) | 0x80);
      }
      return Buffer.concat([Buffer.from([0x0a, ...len]), body]);
    };
    const service: ServiceDefinition = {
      syncFlags: {
        path: '/flagd.sync.v1.FlagSyncService/SyncFlags',
        requestStream: false,
        responseStream: true,
        requestSerialize: () => Buffer.alloc(0),
        requestDeserialize: () => ({}),
        responseSerialize: (text: string) => encode(text),
        responseDeserialize: (b: Buffer) => b.toString('utf8'),
      },
    };
    this.#server.addService(service, {
      syncFlags: (stream: ServerWritableStream<unknown, string>) => {
        this.#streams.add(stream);
        stream.on('cancelled', () => this.#streams.delete(stream));
        stream.write(this.#definition);
      },
    });
  }

  /** Listens on `host:0`; resolves with the port. */
  listen(host: string): Promise<number> {
    return new Promise((resolve, reject) => this.#server.bindAsync(`${host}:0`, ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))));
  }

  get clients(): number {
    return this.#streams.size;
  }

  /** A new definition, sent to every connected client (as flagd does when its source changes). */
  push(definition: string): void {
    this.#definition = definition;
    for (const s of this.#streams) s.write(definition);
  }

  close(): void {
    for (const s of this.#streams) s.end();
    this.#server.forceShutdown();
  }
}
