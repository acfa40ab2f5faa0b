import { z } from 'zod';

/**
 * The protocol's messages, as zod schemas: the one place a message's shape is written, so the
 * validator and the TypeScript type cannot drift apart. `.strict()` is off on purpose: a newer
 * peer may add fields, and ignoring them is how the protocol stays forward-compatible.
 */
const hash = z.string().min(1).max(256);
const height = z.number().int().nonnegative();

export const BlockProposalSchema = z.object({
  type: z.literal('BlockProposal'),
  height,
  hash,
  proposer: z.string().min(1).max(256),
  /** Opaque block body (e.g. base64), bounded by the frame limit. */
  payload: z.string().optional(),
});

export const BlockVoteSchema = z.object({
  type: z.literal('BlockVote'),
  height,
  hash,
  voter: z.string().min(1).max(256),
  approve: z.boolean(),
});

export const PeerListSchema = z.object({
  type: z.literal('PeerList'),
  peers: z
    .array(
      z.object({
        ip: z.string().min(1).max(64),
        port: z.number().int().min(1).max(65535),
        nodeId: z.string().max(256).optional(),
      }),
    )
    .max(1000),
});

export const GetPeerListSchema = z.object({ type: z.literal('GetPeerList') });

/** An application-defined message: `kind` names it, `data` is any JSON value. */
export const CustomSchema = z.object({
  type: z.literal('Custom'),
  kind: z.string().min(1).max(128),
  data: z.unknown(),
});

export const NetworkMessageSchema = z.discriminatedUnion('type', [
  BlockProposalSchema,
  BlockVoteSchema,
  PeerListSchema,
  GetPeerListSchema,
  CustomSchema,
]);

export type BlockProposal = z.infer<typeof BlockProposalSchema>;
export type BlockVote = z.infer<typeof BlockVoteSchema>;
export type PeerList = z.infer<typeof PeerListSchema>;
export type GetPeerList = z.infer<typeof GetPeerListSchema>;
export type CustomMessage = z.infer<typeof CustomSchema>;
export type NetworkMessage = z.infer<typeof NetworkMessageSchema>;
export type MessageType = NetworkMessage['type'];

export const MESSAGE_TYPES: readonly MessageType[] = ['BlockProposal', 'BlockVote', 'PeerList', 'GetPeerList', 'Custom'];
