import { Errors, StormbreakerError } from '../errors';
import type { StoredModel } from '../model/Model';
import type { Reply } from '../resp/Reply';
import { defineAiCommand } from './Command';
import { metaOrPayloadReply } from './metaOrPayload';
import { upper } from './modelArgs';

/**
 * The blob, in chunks of `chunkSize` when longer (spec §4.3). Never an empty trailing chunk
 * (DESIGN.md deviation 3).
 */
/**
 * A blob reply is at most this many chunks: a tiny MODEL_CHUNK_SIZE would otherwise make a
 * multi-million-element reply (and stall the event loop building it). Past it the chunks grow.
 */
export const MAX_BLOB_CHUNKS = 1024;

function blobReply(blob: Buffer, configuredChunkSize: number): Reply {
  if (blob.length <= configuredChunkSize) return blob;
  const chunkSize = Math.max(configuredChunkSize, Math.ceil(blob.length / MAX_BLOB_CHUNKS));
  const chunks: Buffer[] = [];
  for (let at = 0; at < blob.length; at += chunkSize) chunks.push(blob.subarray(at, at + chunkSize));
  return chunks;
}

export function modelMetaReply(model: StoredModel): Reply[] {
  return [
    'backend', model.backend,
    'device', model.device,
    'tag', model.tag,
    'batchsize', model.batchsize,
    'minbatchsize', model.minbatchsize,
    'inputs', model.inputs.slice(),
    'outputs', model.outputs.slice(),
    'minbatchtimeout', model.minbatchtimeout,
  ];
}

/**
 * Ours, not RedisAI's: what each output's columns are, when the backend knows (null otherwise).
 * An ONNX ZipMap output is stored as FLOAT [N, classes]; these are its classes, column by column.
 */
function labelsReply(model: StoredModel): Reply[] {
  return model.outputLabels.map((labels) => (labels === null ? null : labels.slice()));
}

/** AI.MODELGET <key> [META] [BLOB] | AI.MODELGET <key> LABELS */
export const modelget = defineAiCommand({
  name: 'ai.modelget',
  arity: -1,
  flags: ['readonly'],
  key: 1,
  since: '1.2.0',
  summary: 'Returns a model\'s metadata and blob',
  run({ engine }, args) {
    if (args.length < 2 || args.length > 4) throw new StormbreakerError(Errors.wrongArityAsTyped(args));
    const model = engine.getModel(args[1]);
    if (args.length === 3 && upper(args[2]) === 'LABELS') return labelsReply(model);
    return metaOrPayloadReply(args.slice(2), 'BLOB', () => modelMetaReply(model),
      () => blobReply(model.blob, engine.settings.modelChunkSize));
  },
});
