// One of every kind of value the server stores, for persistence round trips: written by
// fillEverything, described byte for byte by describeEverything, run by runEverything.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RawClient } from './RawClient';
import { tfliteSumModel } from './tfModels';
import { fixture } from './fixtures';


const SCRIPT = 'def bar(tensors: List[Tensor], keys: List[str], args: List[str]):\n    return tensors[0] + tensors[1]\n';

/** One of everything: every dtype, every Redis type, a model of each backend, both kinds of script. */
export async function fillEverything(c: RawClient): Promise<void> {
  const ok = async (...args: Array<string | number | Buffer>) => assert.equal(String(await c.call(...args)), 'OK', args.slice(0, 2).join(' '));
  await ok('AI.TENSORSET', 'f32', 'FLOAT', 2, 2, 'VALUES', 1.5, -2, 3.25, 1e-7);
  await ok('AI.TENSORSET', 'f64', 'DOUBLE', 3, 'VALUES', 0.1, -1e300, 42);
  await ok('AI.TENSORSET', 'i8', 'INT8', 2, 'VALUES', -128, 127);
  await ok('AI.TENSORSET', 'i16', 'INT16', 2, 'VALUES', -32768, 32767);
  await ok('AI.TENSORSET', 'i32', 'INT32', 1, 2, 'VALUES', -7, 2147483647);
  await ok('AI.TENSORSET', 'i64', 'INT64', 2, 'VALUES', '-9223372036854775808', '9223372036854775807');
  await ok('AI.TENSORSET', 'u8', 'UINT8', 3, 'VALUES', 0, 128, 255);
  await ok('AI.TENSORSET', 'u16', 'UINT16', 2, 'VALUES', 0, 65535);
  await ok('AI.TENSORSET', 'b', 'BOOL', 3, 'VALUES', 1, 0, 1);
  await ok('AI.TENSORSET', 's', 'STRING', 3, 'VALUES', 'héllo', '', 'wörld');
  await ok('AI.TENSORSET', 'empty', 'FLOAT', 2, 3); // no data: zeros
  await ok('SET', 'plain', Buffer.from([0, 1, 2, 255]));
  await c.call('RPUSH', 'list', 'a', 'b', Buffer.from([0xff]));
  await c.call('HSET', 'hash', 'f1', 'v1', 'f2', Buffer.alloc(0));
  await ok('AI.MODELSTORE', 'torch', 'TORCH', 'CPU', 'TAG', 'v1', 'BATCHSIZE', 4, 'MINBATCHSIZE', 2, 'MINBATCHTIMEOUT', 7, 'BLOB', fixture('pt-minimal.pt'));
  await ok('AI.MODELSTORE', 'onnx', 'ONNX', 'CPU:1', 'BLOB', fixture('linear_iris.onnx'));
  await ok('AI.MODELSTORE', 'tf', 'TF', 'CPU', 'TAG', 't', 'INPUTS', 2, 'a', 'b', 'OUTPUTS', 1, 'mul', 'BLOB', fixture('graph.pb'));
  await ok('AI.MODELSTORE', 'tflite', 'TFLITE', 'CPU', 'BLOB', await tfliteSumModel());
  await ok('AI.SCRIPTSTORE', 'script', 'CPU', 'TAG', 'st', 'ENTRY_POINTS', 1, 'bar', 'SOURCE', SCRIPT);
  await ok('AI.SCRIPTSET', 'legacy', 'CPU', 'SOURCE', SCRIPT);
}

/** Everything fillEverything stored, as the wire shows it (bytes included). */
export async function describeEverything(c: RawClient): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const key of ['f32', 'f64', 'i8', 'i16', 'i32', 'i64', 'u8', 'u16', 'b', 's', 'empty']) {
    out.push(await c.call('AI.TENSORGET', key, 'META', 'BLOB'));
  }
  out.push(await c.call('GET', 'plain'), await c.call('LRANGE', 'list', 0, -1), await c.call('HGETALL', 'hash'));
  for (const key of ['torch', 'onnx', 'tf', 'tflite']) out.push(await c.call('AI.MODELGET', key, 'META', 'BLOB'));
  for (const key of ['script', 'legacy']) out.push(await c.call('AI.SCRIPTGET', key, 'META', 'SOURCE'));
  out.push(await c.call('DBSIZE'));
  return out;
}

/** The restored models and scripts really run. */
export async function runEverything(c: RawClient): Promise<void> {
  await c.call('AI.TENSORSET', 'x', 'FLOAT', 2, 'VALUES', 2, 3);
  assert.equal(String(await c.call('AI.MODELEXECUTE', 'torch', 'INPUTS', 2, 'x', 'x', 'OUTPUTS', 1, 'y')), 'OK');
  assert.deepEqual((await c.call('AI.TENSORGET', 'y', 'VALUES') as Buffer[]).map(String), ['4', '6']);
  assert.equal(String(await c.call('AI.MODELEXECUTE', 'tf', 'INPUTS', 2, 'x', 'x', 'OUTPUTS', 1, 'y')), 'OK');
  assert.deepEqual((await c.call('AI.TENSORGET', 'y', 'VALUES') as Buffer[]).map(String), ['4', '9']);
  assert.equal(String(await c.call('AI.SCRIPTEXECUTE', 'script', 'bar', 'INPUTS', 2, 'x', 'x', 'OUTPUTS', 1, 'y')), 'OK');
  await c.call('AI.TENSORSET', 'iris', 'FLOAT', 1, 4, 'VALUES', 5.1, 3.5, 1.4, 0.2);
  assert.equal(String(await c.call('AI.MODELEXECUTE', 'onnx', 'INPUTS', 1, 'iris', 'OUTPUTS', 1, 'y')), 'OK');
  await c.call('AI.TENSORSET', 'row', 'FLOAT', 1, 4, 'VALUES', 1, 2, 3, 4);
  assert.equal(String(await c.call('AI.MODELEXECUTE', 'tflite', 'INPUTS', 1, 'row', 'OUTPUTS', 1, 'y')), 'OK');
  assert.deepEqual((await c.call('AI.TENSORGET', 'y', 'VALUES') as Buffer[]).map(String), ['10', '11']);
}

