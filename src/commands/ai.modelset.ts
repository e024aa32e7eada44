import { Buffer } from 'node:buffer';
import { Errors, StormbreakerError } from '../errors';
import { isValidDevice, parseBackend } from '../model/Model';
import { OK } from '../resp/Reply';
import { defineAiCommand } from './Command';
import { joinBlob, parseCount, text, upper, logModelLoad } from './modelArgs';

const KEYWORDS = ['INPUTS', 'OUTPUTS', 'TAG', 'BATCHSIZE', 'MINBATCHSIZE', 'MINBATCHTIMEOUT', 'BLOB'];

/**
 * AI.MODELSET <key> <backend> <device> [TAG t] [BATCHSIZE n [MINBATCHSIZE m [MINBATCHTIMEOUT t]]]
 *   [INPUTS name… OUTPUTS name…] BLOB <blob> [<chunk> …]   (deprecated; spec §4.2)
 */
export const modelset = defineAiCommand({
  name: 'ai.modelset',
  runsOnDevice: true,
  arity: -1,
  flags: ['write', 'denyoom'],
  key: 1,
  since: '1.0.0',
  summary: 'Stores a model (deprecated: use AI.MODELSTORE)',
  async run({ engine, server }, args) {
    const n = args.length;
    if (n < 4) throw new StormbreakerError(Errors.wrongArityAsTyped(args));
    const backend = parseBackend(text(args[2]));
    if (backend === undefined) throw new StormbreakerError('ERR unsupported backend');
    const device = text(args[3]);
    if (device.length > 10 || KEYWORDS.includes(device.toUpperCase())) throw new StormbreakerError('ERR Invalid DEVICE');
    let i = 4;
    let tag = Buffer.alloc(0);
    let batchsize = 0;
    let minbatchsize = 0;
    let minbatchtimeout = 0;
    if (upper(args[i]) === 'TAG') {
      if (i + 1 >= n) throw new StormbreakerError('ERR Insufficient arguments, missing model BLOB');
      tag = Buffer.from(args[i + 1]);
      i += 2;
    }
    if (upper(args[i]) === 'BATCHSIZE') {
      if (backend === 'TFLITE') throw new StormbreakerError('ERR Auto-batching not supported by the TFLITE backend');
      batchsize = parseCount(args[i + 1], 'ERR Invalid argument for BATCHSIZE');
      i += 2;
    }
    if (upper(args[i]) === 'MINBATCHSIZE') {
      if (batchsize === 0) throw new StormbreakerError('ERR MINBATCHSIZE specified without BATCHSIZE');
      minbatchsize = parseCount(args[i + 1], 'ERR Invalid argument for MINBATCHSIZE');
      i += 2;
    }
    if (upper(args[i]) === 'MINBATCHTIMEOUT') {
      if (batchsize === 0) throw new StormbreakerError('ERR MINBATCHTIMEOUT specified without BATCHSIZE');
      if (minbatchsize === 0) throw new StormbreakerError('ERR MINBATCHTIMEOUT specified without MINBATCHSIZE');
      minbatchtimeout = parseCount(args[i + 1], 'ERR Invalid argument for MINBATCHTIMEOUT');
      i += 2;
    }
    let blobAt = i;
    while (blobAt < n && upper(args[blobAt]) !== 'BLOB') blobAt++;
    // Everything between the options and BLOB names the TF graph's nodes (other backends ignore it).
    const options = args.slice(i, blobAt).map((a) => a.toString('utf8'));
    let inputs: string[] | undefined;
    let outputs: string[] | undefined;
    if (backend === 'TF') {
      if (options.length === 0) throw new StormbreakerError('ERR Insufficient arguments, INPUTS and OUTPUTS not specified');
      if (options[0].toUpperCase() !== 'INPUTS') throw new StormbreakerError('ERR INPUTS not specified');
      const split = options.findIndex((o) => o.toUpperCase() === 'OUTPUTS');
      if (split < 0) throw new StormbreakerError('ERR OUTPUTS not specified');
      inputs = options.slice(1, split);
      outputs = options.slice(split + 1);
    }
    if (blobAt + 1 >= n) throw new StormbreakerError('ERR Insufficient arguments, missing model BLOB');
    if (!isValidDevice(device)) {
      throw new StormbreakerError(backend === 'TFLITE' ? 'ERR Unsupported device' : 'ERR unsupported device');
    }
    const started = Date.now();
    const spec = {
      backend, device, tag, batchsize, minbatchsize, minbatchtimeout, inputs, outputs, blob: joinBlob(args.slice(blobAt + 1)),
    };
    await engine.storeModel(args[1], spec);
    logModelLoad(server, args[1], spec, Date.now() - started);
    return OK;
  },
});
