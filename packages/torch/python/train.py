# Data-parallel training of an exported rnnkit model with PyTorch's DistributedDataParallel.
#
#   one machine:  python -m torch.distributed.run --standalone --nproc_per_node=2 train.py
#   one process:  python train.py            (world size 1, no process group)
#
# Everything about the run (loss, optimizer and its hyper-parameters, gradient clipping, epochs,
# per-rank batch, seed, frozen layers) is in config.json, written by rnnkit's exporter. Each rank
# takes a disjoint shard of every epoch through DistributedSampler, so the global batch is the
# per-rank batch × the world size; DDP averages the gradients of the ranks' mean losses, which
# is the gradient of the mean over the global batch when the ranks' batches are the same size
# (DistributedSampler pads the last shard by repeating samples to keep them so).
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data.distributed import DistributedSampler

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from model import Model  # noqa: E402
from rnnkit_io import load_file, save_file  # noqa: E402


def parse_args(config):
    p = argparse.ArgumentParser(description='DDP training of an exported rnnkit model')
    p.add_argument('--epochs', type=int, default=config['epochs'])
    p.add_argument('--batch-size', type=int, default=config['batchSize'], help='per rank; the global batch is this × the world size')
    p.add_argument('--max-steps', type=int, default=0, help='stop after this many optimizer steps (0: run every epoch)')
    p.add_argument('--out', default=os.path.join(HERE, 'trained'), help='folder for trained.safetensors and metrics.json')
    p.add_argument('--check-replicas', action='store_true', help='after every step, all-gather every rank\'s weights and record the largest difference from rank 0')
    p.add_argument('--predictions', action='store_true', help='also write the test logits as predictions.npy')
    p.add_argument('--threads', type=int, default=0, help='torch threads per rank (default: cores / local ranks)')
    return p.parse_args()


def loss_fn(name, out, y):
    if name == 'softmaxCrossEntropy':
        return F.cross_entropy(out, y)
    if name == 'sequenceCrossEntropy':
        return F.cross_entropy(out.reshape(-1, out.shape[-1]), y.reshape(-1))
    if name == 'sigmoidBinaryCrossEntropy':
        return F.binary_cross_entropy_with_logits(out.reshape(-1), y)
    if name == 'meanSquaredError':
        return F.mse_loss(out, y)
    raise ValueError(f'loss: unknown {name!r}')


def count_correct(name, out, y):
    # As rnnkit's countCorrect: argmax per row (first maximum wins), or logit > 0 for binary.
    if name in ('softmaxCrossEntropy', 'sequenceCrossEntropy'):
        pred = out.reshape(-1, out.shape[-1]).argmax(1)
        return int((pred == y.reshape(-1)).sum()), pred.numel()
    if name == 'sigmoidBinaryCrossEntropy':
        return int(((out.reshape(-1) > 0) == (y > 0.5)).sum()), y.numel()
    return None


def make_optimizer(spec, params):
    t = spec['type']
    if t == 'adam':
        return torch.optim.Adam(params, lr=spec['lr'], betas=(spec['beta1'], spec['beta2']), eps=spec['eps'], weight_decay=spec['weightDecay'])
    if t == 'adamw':
        return torch.optim.AdamW(params, lr=spec['lr'], betas=(spec['beta1'], spec['beta2']), eps=spec['eps'], weight_decay=spec['weightDecay'])
    if t == 'sgd':
        return torch.optim.SGD(params, lr=spec['lr'], momentum=spec['momentum'], dampening=spec['dampening'], nesterov=spec['nesterov'], weight_decay=spec['weightDecay'])
    if t == 'rmsprop':
        return torch.optim.RMSprop(params, lr=spec['lr'], alpha=spec['alpha'], eps=spec['eps'], momentum=spec['momentum'], weight_decay=spec['weightDecay'])
    raise ValueError(f'optimizer: unknown type {t!r}')


def load_split(config, split, device):
    files = config['data'].get(split)
    if not files:
        return None
    x = torch.from_numpy(np.load(os.path.join(HERE, files['x'])))
    y = torch.from_numpy(np.load(os.path.join(HERE, files['y'])))
    if config['inputKind'] == 'ids':
        x = x.long()
    y = y.long() if config['loss'] in ('softmaxCrossEntropy', 'sequenceCrossEntropy') else y.float()
    return x.to(device), y.to(device)


def flat_weights(model):
    return torch.cat([p.detach().reshape(-1) for p in model.parameters()])


def evaluate(model, config, data, batch_size=256):
    model.eval()
    x, y = data
    n = x.shape[0]
    loss_sum, correct, total, outs = 0.0, 0, 0, []
    with torch.no_grad():
        for b in range(0, n, batch_size):
            out = model(x[b:b + batch_size])
            yb = y[b:b + batch_size]
            loss_sum += float(loss_fn(config['loss'], out, yb)) * yb.shape[0]
            c = count_correct(config['loss'], out, yb)
            if c:
                correct, total = correct + c[0], total + c[1]
            outs.append(out.cpu())
    model.train()
    return {'loss': loss_sum / n, 'accuracy': correct / total if total else None, 'samples': n}, torch.cat(outs)


def main():
    with open(os.path.join(HERE, 'config.json')) as f:
        config = json.load(f)
    args = parse_args(config)
    distributed = 'RANK' in os.environ and 'WORLD_SIZE' in os.environ
    cuda = torch.cuda.is_available()
    if distributed:
        # NCCL between GPUs, Gloo on CPUs; torchrun sets MASTER_ADDR/PORT, RANK, WORLD_SIZE, LOCAL_RANK.
        dist.init_process_group(backend='nccl' if cuda else 'gloo')
        rank, world = dist.get_rank(), dist.get_world_size()
        local_rank, local_world = int(os.environ.get('LOCAL_RANK', 0)), int(os.environ.get('LOCAL_WORLD_SIZE', 1))
    else:
        rank, world, local_rank, local_world = 0, 1, 0, 1
    device = torch.device(f'cuda:{local_rank}' if cuda else 'cpu')
    if cuda:
        torch.cuda.set_device(device)
    torch.set_num_threads(args.threads or max(1, (os.cpu_count() or 1) // local_world))
    # Weights come from the exported state_dict; the seed drives dropout (per rank) and the sampler (shared).
    torch.manual_seed(config['seed'] + rank)

    model = Model()
    model.load_state_dict(load_file(os.path.join(HERE, 'initial.safetensors')), strict=True)
    for name, p in model.named_parameters():
        if any(name.startswith(prefix) for prefix in config['frozen']):
            p.requires_grad_(False)
    model.to(device)
    net = DistributedDataParallel(model, device_ids=[local_rank] if cuda else None) if distributed else model
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = make_optimizer(config['optimizer'], trainable)

    train = load_split(config, 'train', device)
    test = load_split(config, 'test', device)
    x_all, y_all = train
    sampler = DistributedSampler(range(x_all.shape[0]), num_replicas=world, rank=rank, shuffle=config['shuffle'], seed=config['seed'], drop_last=False)
    B = args.batch_size

    replicas, history, step, samples, started = [], [], 0, 0, None
    done = False
    for epoch in range(args.epochs):
        sampler.set_epoch(epoch)
        idx = torch.tensor(list(sampler), dtype=torch.long, device=device)
        loss_sum, seen = 0.0, 0
        for b in range(0, idx.shape[0], B):
            if started is None:
                started = time.perf_counter()
            batch = idx[b:b + B]
            xb, yb = x_all[batch], y_all[batch]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(config['loss'], net(xb), yb)
            loss.backward()
            if config.get('clipNorm') is not None:
                torch.nn.utils.clip_grad_norm_(trainable, config['clipNorm'])
            optimizer.step()
            step += 1
            samples += batch.shape[0]
            loss_sum += float(loss) * batch.shape[0]
            seen += batch.shape[0]
            if args.check_replicas and distributed:
                w = flat_weights(model)
                gathered = [torch.empty_like(w) for _ in range(world)]
                dist.all_gather(gathered, w)
                replicas.append(max(float((g - gathered[0]).abs().max()) for g in gathered))
            if args.max_steps and step >= args.max_steps:
                done = True
                break
        mean = torch.tensor([loss_sum, float(seen)], dtype=torch.float64, device=device)
        if distributed:
            dist.all_reduce(mean)
        history.append({'epoch': epoch, 'loss': float(mean[0] / mean[1])})
        if done:
            break
    if cuda:
        torch.cuda.synchronize()
    elapsed = time.perf_counter() - started if started else 0.0

    if rank == 0:
        os.makedirs(args.out, exist_ok=True)
        save_file({k: v.float() for k, v in model.state_dict().items()}, os.path.join(args.out, 'trained.safetensors'))
        metrics = {
            'worldSize': world,
            'perRankBatch': B,
            'globalBatch': B * world,
            'steps': step,
            'epochs': history,
            'seconds': elapsed,
            'samplesPerSecondPerRank': samples / elapsed if elapsed > 0 else None,
            'samplesPerSecond': samples * world / elapsed if elapsed > 0 else None,
            'device': str(device),
            'torch': torch.__version__,
        }
        if args.check_replicas:
            metrics['replicaMaxDiff'] = replicas
        if test is not None:
            metrics['test'], out = evaluate(model, config, test)
            if args.predictions:
                np.save(os.path.join(args.out, 'predictions.npy'), out.numpy())
        with open(os.path.join(args.out, 'metrics.json'), 'w') as f:
            json.dump(metrics, f, indent=2)
        print(json.dumps({k: metrics[k] for k in ('worldSize', 'globalBatch', 'steps', 'samplesPerSecondPerRank', 'samplesPerSecond')} | ({'test': metrics['test']} if 'test' in metrics else {})))
    if distributed:
        dist.barrier()
        dist.destroy_process_group()


if __name__ == '__main__':
    main()
