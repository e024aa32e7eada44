// ONNX-ML models made at test time from scikit-learn with skl2onnx, checked against
// scikit-learn's own predictions (the Python side prints them; the server must agree).
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from '@jest/globals';
import { RawClient } from '../helpers/RawClient';
import { ROOT, run, startServer } from '../helpers/servers';

const SCRIPT = `
import sys, json, numpy as np
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier
from sklearn.svm import SVC
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.linear_model import LogisticRegression
from skl2onnx import to_onnx
X, y = load_iris(return_X_y=True)
X = X.astype(np.float32)
rows = X[[0, 60, 120, 75, 140]]
out = {'rows': rows.tolist()}
models = {
    'forest': RandomForestClassifier(n_estimators=7, random_state=0),
    'svm': SVC(probability=True, random_state=0),
    'pipeline': make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)),
    'named': LogisticRegression(max_iter=1000),
}
# String class labels whose sorted order is not the order of the integers they replace.
named_y = np.array(['virginica', 'setosa', 'versicolor'])[y]
for name, model in models.items():
    model.fit(X, named_y if name == 'named' else y)
    with open(f'{sys.argv[1]}/{name}.onnx', 'wb') as f:
        f.write(to_onnx(model, X[:1], target_opset=13).SerializeToString())
    out[name] = {'labels': model.predict(rows).tolist(), 'probabilities': model.predict_proba(rows).tolist(),
                 'classes': [str(c) for c in model.classes_]}
print(json.dumps(out))
`;

describe('ONNX-ML models from scikit-learn (skl2onnx)', () => {
  it('a random forest, an SVM, a scaler pipeline and a string-labelled classifier answer as scikit-learn does', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stormbreaker-sklearn-'));
    process.env.PYTHONPATH = path.join(ROOT, 'deps', 'python');
    const made = await run('/usr/bin/python3', ['-c', SCRIPT, dir]);
    assert.equal(made.code, 0, made.stderr);
    const expected = JSON.parse(made.stdout) as Record<string, { labels: Array<number | string>; probabilities: number[][]; classes: string[] }> & { rows: number[][] };
    const { server, port } = await startServer();
    const c = await RawClient.connect(port);
    await c.call('AI.TENSORSET', 'rows', 'FLOAT', 5, 4, 'VALUES', ...expected.rows.flat());
    for (const name of ['forest', 'svm', 'pipeline', 'named']) {
      assert.equal(await c.call('AI.MODELSTORE', name, 'ONNX', 'CPU', 'BLOB', fs.readFileSync(path.join(dir, `${name}.onnx`))), 'OK', name);
      assert.equal(await c.call('AI.MODELEXECUTE', name, 'INPUTS', 1, 'rows', 'OUTPUTS', 2, `${name}:label`, `${name}:prob`), 'OK', name);
      assert.deepEqual(await c.call('AI.TENSORGET', `${name}:label`, 'VALUES'), expected[name].labels, `${name} labels`);
      const [, , , shape, , values] = (await c.call('AI.TENSORGET', `${name}:prob`, 'META', 'VALUES')) as [string, string, string, number[], string, string[]];
      assert.deepEqual(shape, [5, 3], `${name} probabilities are [rows, classes]`);
      // The columns are scikit-learn's classes_, and the model says so.
      assert.deepEqual(await c.call('AI.MODELGET', name, 'LABELS'), [null, expected[name].classes], `${name} column labels`);
      values.map(Number).forEach((p, i) => {
        const want = expected[name].probabilities[Math.floor(i / 3)][i % 3];
        assert.ok(Math.abs(p - want) < 1e-4, `${name} probability ${i}: ${p} vs scikit-learn ${want}`);
      });
    }
    await c.close();
    await server.close();
    fs.rmSync(dir, { recursive: true });
  });
});
