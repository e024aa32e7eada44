/**
 * Stormbreaker: RedisAI's tensors, models (TORCH, ONNX, TF, TFLITE) and TorchScript scripts in
 * Node.js, embedded or served over RESP.
 *
 * @example
 * import { Tensor, Engine, createServer } from 'stormbreaker';
 * const engine = new Engine();
 * engine.setTensor('a', Tensor.fromArray([[1, 2], [3, 4]], 'FLOAT'));
 * const server = createServer({ engine, port: 0 });
 * const { port } = await server.listen();   // redis-cli -p <port> AI.TENSORGET a VALUES
 */
import './commands/libraryScriptHost'; // a library engine's scripts reach the commands through it
export { Tensor } from './tensor/Tensor';
export type { TensorValue, NestedArray } from './tensor/Tensor';
export type { DType, TypedArray } from './tensor/dtype';
export { DTYPES } from './tensor/dtype';
export { Engine } from './engine/Engine';
export { Dag } from './dag/Dag';
export type { DagOptions, DagResult } from './dag/Dag';
export type { EngineOptions, Key } from './engine/Engine';
export { createServer, Server } from './server/Server';
export type { ServerOptions } from './server/Server';
export { StormbreakerError } from './errors';
export { defineCommand } from './commands/Command';
export type { Command, CommandContext } from './commands/Command';
export { PACKAGE_VERSION as version } from './version';
