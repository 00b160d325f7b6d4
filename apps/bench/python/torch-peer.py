#!/usr/bin/python3
# The bench's PyTorch peer row (src/torch-peer.ts starts it with Debian's /usr/bin/python3 and
# python3-torch). It trains the bench's model from rnnkit's initial weights (a PyTorch-named
# state_dict written by model.saveStateDict) on the bench's exact arrays, in the batch order the
# bench wrote (core's seeded epoch order, not re-drawn here), with the same loss and Adam settings.
#
# Usage: torch-peer.py JOB.json. The job names raw little-endian .f32/.i32 files; this script writes
# JSON lines on stdout ({"type": "phase" | "tick" | "note" | "validation" | "warmup" | "result"})
# and, per epoch, the test logits as raw float32 (scored by the bench, as for every other row).
# Modes: "warmup" (optional first-batch loss and gradients, then a short timing of torch thread
# counts under this process's OPENBLAS_NUM_THREADS) and "run" (the timed training and testing).
# Debian has no Python safetensors package, so the state_dict is read with struct + json.
import json
import os
import resource
import struct
import sys
import time

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

START = time.monotonic()
DTYPES = {'F32': np.float32, 'F64': np.float64, 'F16': np.float16, 'I32': np.int32, 'I64': np.int64}


def say(msg):
    sys.stdout.write(json.dumps(msg) + '\n')
    sys.stdout.flush()


def load_safetensors(path):
    with open(path, 'rb') as f:
        raw = f.read()
    n = struct.unpack('<Q', raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    header.pop('__metadata__', None)
    data = raw[8 + n:]
    out = {}
    for name, info in header.items():
        b, e = info['data_offsets']
        a = np.frombuffer(data[b:e], dtype=DTYPES[info['dtype']]).astype(np.float32)
        out[name] = torch.from_numpy(a.reshape(info['shape']).copy())
    return out


def load_array(spec):
    a = np.fromfile(spec['file'], dtype=np.float32 if spec['dtype'] == 'f32' else np.int32)
    return torch.from_numpy(a.reshape(spec['shape']))


class Net(nn.Module):
    """The bench's row and embedding models, with nn.Sequential's state_dict names (0., 1., 2.)."""

    def __init__(self, m):
        super().__init__()
        self.embedding = m['kind'] == 'imdb'
        self.cell = m['cell']
        mods = []
        if self.embedding:
            mods.append(nn.Embedding(m['numWords'], m['embeddingSize']))
        size = m['embeddingSize'] if self.embedding else m['inputSize']
        if self.cell == 'lstm':
            mods.append(nn.LSTM(size, m['hiddenSize'], batch_first=True))
        elif self.cell == 'gru':
            mods.append(nn.GRU(size, m['hiddenSize'], batch_first=True))
        elif self.cell == 'rnn':
            mods.append(nn.RNN(size, m['hiddenSize'], nonlinearity=m.get('nonlinearity', 'tanh'), batch_first=True))
        else:
            raise SystemExit(f'torch-peer: PyTorch has no module for the {self.cell} cell')
        mods.append(nn.Linear(m['hiddenSize'], m['classes']))
        for i, mod in enumerate(mods):
            self.add_module(str(i), mod)
        self.mods = mods

    def forward(self, x):
        i = 0
        if self.embedding:
            x = self.mods[0](x.long())
            i = 1
        _, h = self.mods[i](x)
        if self.cell == 'lstm':
            h = h[0]
        # rnnkit's returnSequences: false is the last layer's final hidden state.
        return self.mods[i + 1](h[-1])


def loss_fn(name):
    if name == 'softmaxCrossEntropy':
        return lambda logits, y: F.cross_entropy(logits, y.long())
    if name == 'sigmoidBinaryCrossEntropy':
        return lambda logits, y: F.binary_cross_entropy_with_logits(logits, y.reshape(logits.shape).float())
    raise SystemExit(f'torch-peer: loss {name} is not mirrored')


def build(job):
    torch.manual_seed(0)  # irrelevant: every parameter is replaced by rnnkit's
    model = Net(job['model'])
    model.load_state_dict(load_safetensors(job['stateDict']), strict=True)
    return model


def adam(job, model):
    # rnnkit's adam(): torch.optim.Adam's defaults (betas 0.9/0.999, eps 1e-8, no weight decay).
    return torch.optim.Adam(model.parameters(), lr=job['lr'])


def batches(order, batch_size):
    return [order[i:i + batch_size] for i in range(0, len(order), batch_size)]


def warmup(job, data, order):
    out = {'type': 'warmup', 'trials': []}
    crit = loss_fn(job['loss'])
    bs = job['batchSize']
    idxs = batches(order[0], bs)
    if job.get('gradients'):
        # The first training batch from the initial weights: loss and every parameter's gradient, for
        # the bench's validation against backend-js float64 (as every row is validated).
        model = build(job)
        idx = idxs[0]
        loss = crit(model(data['trainX'][idx]), data['trainY'][idx])
        loss.backward()
        grads = {name: p.grad.detach().numpy().astype(np.float32) for name, p in model.named_parameters()}
        at, index = 0, {}
        with open(job['gradients'], 'wb') as f:
            for name, g in grads.items():
                f.write(g.tobytes())
                index[name] = {'offset': at, 'shape': list(g.shape)}
                at += g.size
        out['loss'] = loss.item()
        out['gradients'] = index
    for threads in job['threadTrials']:
        torch.set_num_threads(threads)
        model = build(job)
        opt = adam(job, model)
        done, timed, t0 = 0, 0.0, 0.0
        steps = job['warmupBatches']
        for k, idx in enumerate(idxs[: steps + 1]):
            if k == 1:  # the first step pays one-off costs (allocation, thread start-up)
                t0 = time.perf_counter()
            opt.zero_grad()
            crit(model(data['trainX'][idx]), data['trainY'][idx]).backward()
            opt.step()
            if k >= 1:
                done += len(idx)
        timed = time.perf_counter() - t0
        out['trials'].append({'threads': threads, 'samples': done, 'seconds': timed})
    say(out)


def run(job, data, order):
    torch.set_num_threads(job['threads'])
    model = build(job)
    opt = adam(job, model)
    crit = loss_fn(job['loss'])
    bs = job['batchSize']
    n_train = data['trainX'].shape[0]
    n_test = data['testX'].shape[0]
    train_deadline = job.get('trainSeconds')
    test_deadline = job.get('testSeconds')
    epochs, curve = [], []
    train_seconds, trained, infer_rate, cut = 0.0, 0, 0.0, None
    for epoch in range(job['epochs']):
        say({'type': 'phase', 'label': f'train epoch {epoch + 1}/{job["epochs"]}', 'total': n_train, 'unit': 'samples'})
        model.train()
        t0 = time.perf_counter()
        done, total = 0, 0.0
        for idx in batches(order[epoch], bs):
            if done > 0 and train_deadline is not None and time.monotonic() - START > train_deadline:
                cut = f'trained {trained + done} of {n_train * job["epochs"]} samples'
                break
            opt.zero_grad()
            loss = crit(model(data['trainX'][idx]), data['trainY'][idx])
            loss.backward()
            opt.step()
            v = loss.item()
            curve.append(v)
            total += v * len(idx)
            done += len(idx)
            say({'type': 'tick', 'done': done, 'loss': v})
        seconds = time.perf_counter() - t0
        train_seconds += seconds
        trained += done

        say({'type': 'phase', 'label': f'test epoch {epoch + 1}/{job["epochs"]}', 'total': n_test, 'unit': 'samples'})
        model.eval()
        t1 = time.perf_counter()
        logits = []
        m = 0
        with torch.no_grad():
            for start in range(0, n_test, bs):
                if m > 0 and test_deadline is not None and time.monotonic() - START > test_deadline:
                    break
                logits.append(model(data['testX'][start:start + bs]).numpy())
                m += min(bs, n_test - start)
                say({'type': 'tick', 'done': m})
        eval_seconds = time.perf_counter() - t1
        path = os.path.join(job['dir'], f'logits-{epoch}.f32')
        np.concatenate(logits).astype(np.float32).tofile(path)
        if m < n_test:
            cut = f'{cut + ", " if cut else ""}tested {m} of {n_test} samples'
        infer_rate = m / eval_seconds
        epochs.append({'epoch': epoch, 'trainLoss': total / done, 'trainSamples': done, 'testSamples': m, 'trainSeconds': seconds, 'evalSeconds': eval_seconds, 'logits': path})
        if cut:
            break
    say({
        'type': 'result',
        'trainSamplesPerSec': trained / train_seconds,
        'inferSamplesPerSec': infer_rate,
        'epochs': epochs,
        'lossCurve': curve,
        'cutShort': cut,
        # Linux reports ru_maxrss in KiB: the peak resident set of this process.
        'maxRssBytes': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    })


def main():
    with open(sys.argv[1]) as f:
        job = json.load(f)
    data = {k: load_array(job[k]) for k in ('trainX', 'trainY', 'testX', 'testY')}
    order = load_array(job['order']).long()
    say({'type': 'note', 'text': f'torch {torch.__version__}, {torch.get_num_threads()} thread(s), OPENBLAS_NUM_THREADS={os.environ.get("OPENBLAS_NUM_THREADS", "default")}'})
    if job['mode'] == 'warmup':
        warmup(job, data, order)
    else:
        run(job, data, order)


if __name__ == '__main__':
    main()
