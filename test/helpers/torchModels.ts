// TorchScript models made at test time with Debian's python3-torch, so tests are not limited to
// the fixtures. Each is written once per process into a temporary folder.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { run } from './servers';

const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'stormbreaker-models-'));

async function make(name: string, source: string): Promise<Buffer> {
  const file = path.join(folder, `${name}.pt`);
  if (!fs.existsSync(file)) {
    const script = `import torch\nfrom typing import List\n${source}\ntorch.jit.save(torch.jit.script(Model()), ${JSON.stringify(file)})\n`;
    // torch.jit.script reads the class's source, so the script must be a file, not `-c`.
    const scriptFile = path.join(folder, `${name}.py`);
    fs.writeFileSync(scriptFile, script);
    const r = await run('/usr/bin/python3', [scriptFile]);
    if (r.code !== 0) throw new Error(`making ${name} failed: ${r.stderr}`);
  }
  return fs.readFileSync(file);
}

/** forward(x, n): n rounds of a 256×256 matrix product; n sets how long a run takes. */
export function slowModel(): Promise<Buffer> {
  return make('slow', `
class Model(torch.nn.Module):
    def forward(self, x: torch.Tensor, n: torch.Tensor) -> torch.Tensor:
        w = torch.ones(256, 256) / 256.0
        y = torch.ones(256, 256)
        for _ in range(int(n.item())):
            y = torch.tanh(y @ w)
        return x + y.sum() * 0.0
`);
}

/** forward(x) -> x through two Linear layers held in a ModuleList (its code has `__annotations__["0"] = …` lines). */
export function moduleListModel(): Promise<Buffer> {
  return make('modulelist', `
class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = torch.nn.ModuleList([torch.nn.Linear(2, 2), torch.nn.Linear(2, 2)])
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            x = layer(x)
        return x
`);
}

/** forward(x) -> (x * 2, x.sum(), x > 0): several outputs of different dtypes and ranks. */
export function multiOutputModel(): Promise<Buffer> {
  return make('multi', `
class Model(torch.nn.Module):
    def forward(self, x: torch.Tensor):
        return x * 2, x.sum(), x > 0
`);
}

/** forward(x) -> x + dim 0 of x: tells each caller how many rows the backend call really saw. */
export function rowCountModel(): Promise<Buffer> {
  return make('rowcount', `
class Model(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + float(x.shape[0])
`);
}

/** forward(x) -> x[0:1]: always one row, whatever the batch (a model that breaks batching). */
export function firstRowModel(): Promise<Buffer> {
  return make('firstrow', `
class Model(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x[0:1]
`);
}

/** forward(x) -> x[0:0]: an empty output ([0, …]), as a detector that found nothing returns. */
export function emptyOutputModel(): Promise<Buffer> {
  return make('empty', `
class Model(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x[0:0]
`);
}

/** forward(x) -> x, after torch.save(x) to a path: a model that writes files (refused by default). */
export function fileWritingModel(): Promise<Buffer> {
  return make('filewriting', `
class Model(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.dump(x)
        return x

    @torch.jit.export
    def dump(self, x: torch.Tensor):
        torch.save(x, '/tmp/stormbreaker-model-wrote-this')
`);
}

/** forward(x) -> x + 4 floats mapped from a file (torch.from_file): refused by default. */
export function fileReadingModel(): Promise<Buffer> {
  return make('filereading', `
class Model(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.numel() > 100:
            return x + torch.from_file('/etc/hostname', False, 4)
        return x
`);
}
