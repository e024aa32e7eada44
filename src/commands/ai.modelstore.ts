import { Buffer } from 'node:buffer';
import { Errors, StormbreakerError } from '../errors';
import { isValidDevice, parseBackend } from '../model/Model';
import { OK } from '../resp/Reply';
import { defineAiCommand } from './Command';
import { joinBlob, parseCount, parseInteger, text, upper, logModelLoad } from './modelArgs';

/**
 * AI.MODELSTORE <key> <backend> <device> [TAG t] [BATCHSIZE n [MINBATCHSIZE m [MINBATCHTIMEOUT t]]]
 *   [INPUTS <n> … OUTPUTS <n> …] BLOB <blob> [<chunk> …]   (spec §4.1, checks in its order)
 */
export const modelstore = defineAiCommand({
  name: 'ai.modelstore',
  runsOnDevice: true,
  arity: -1,
  flags: ['write', 'denyoom'],
  key: 1,
  since: '1.2.0',
  summary: 'Stores a model',
  async run({ engine, server }, args) {
    const n = args.length;
    if (n < 6) throw new StormbreakerError(Errors.wrongArityAsTyped(args));
    const backend = parseBackend(text(args[2]));
    if (backend === undefined) throw new StormbreakerError('ERR unsupported backend');
    const device = text(args[3]);
    if (!isValidDevice(device)) throw new StormbreakerError('ERR Invalid DEVICE');
    let i = 4;
    let tag = Buffer.alloc(0);
    let batchsize = 0;
    let minbatchsize = 0;
    let minbatchtimeout = 0;
    // Options are recognised only in this order (spec §4.1).
    if (upper(args[i]) === 'TAG') {
      tag = Buffer.from(args[i + 1]);
      i += 2;
    }
    if (upper(args[i]) === 'BATCHSIZE') {
      batchsize = parseCount(args[i + 1], 'ERR Invalid argument for BATCHSIZE');
      i += 2;
    }
    if (upper(args[i]) === 'MINBATCHSIZE') {
      minbatchsize = parseCount(args[i + 1], 'ERR Invalid argument for MINBATCHSIZE');
      if (batchsize === 0 && minbatchsize > 0) throw new StormbreakerError('ERR MINBATCHSIZE specified without BATCHSIZE');
      i += 2;
    }
    if (upper(args[i]) === 'MINBATCHTIMEOUT') {
      minbatchtimeout = parseCount(args[i + 1], 'ERR Invalid argument for MINBATCHTIMEOUT');
      if (minbatchsize === 0 && minbatchtimeout > 0) {
        throw new StormbreakerError('ERR MINBATCHTIMEOUT specified without MINBATCHSIZE');
      }
      i += 2;
    }
    if (i >= n) throw new StormbreakerError('ERR Insufficient arguments, missing model BLOB');
    let inputs: string[] | undefined;
    let outputs: string[] | undefined;
    if (backend === 'TF') {
      if (upper(args[i]) !== 'INPUTS') throw new StormbreakerError('ERR INPUTS not specified for TF');
      const inCount = parseInteger(args[i + 1], 'ERR Invalid argument for input_count');
      if (inCount <= 0) throw new StormbreakerError('ERR Invalid argument for input_count');
      if (n - (i + 2) < inCount) {
        throw new StormbreakerError('ERR number of model inputs does not match the number of given arguments');
      }
      inputs = args.slice(i + 2, i + 2 + inCount).map((a) => a.toString('utf8'));
      i += 2 + inCount;
      // Arguments that end after the input names lack OUTPUTS as much as a wrong word does.
      if (i >= n || upper(args[i]) !== 'OUTPUTS') throw new StormbreakerError('ERR OUTPUTS not specified for TF');
      const outCount = parseInteger(args[i + 1], 'ERR Invalid argument for output_count');
      if (outCount <= 0) throw new StormbreakerError('ERR Invalid argument for output_count');
      if (n - (i + 2) < outCount) {
        throw new StormbreakerError('ERR number of model outputs does not match the number of given arguments');
      }
      outputs = args.slice(i + 2, i + 2 + outCount).map((a) => a.toString('utf8'));
      i += 2 + outCount;
    } else if (upper(args[i]) === 'INPUTS') {
      throw new StormbreakerError('ERR INPUTS argument should not be specified for this backend');
    }
    if (upper(args[i]) !== 'BLOB') throw new StormbreakerError('ERR Invalid argument, expected BLOB');
    if (i + 1 >= n) throw new StormbreakerError('ERR Insufficient arguments, missing model BLOB');
    const started = Date.now();
    const spec = {
      backend, device, tag, batchsize, minbatchsize, minbatchtimeout, inputs, outputs, blob: joinBlob(args.slice(i + 1)),
    };
    await engine.storeModel(args[1], spec);
    logModelLoad(server, args[1], spec, Date.now() - started);
    return OK;
  },
});
