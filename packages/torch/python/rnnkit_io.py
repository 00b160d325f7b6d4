# safetensors read/write with struct + json (Debian ships no Python safetensors package), byte
# for byte the format safetensors.torch uses: 8-byte little-endian header length, JSON header,
# raw little-endian data. rnnkit reads what save_file writes (format: pt metadata).
import json
import struct

import torch

DTYPES = {'F32': torch.float32, 'F64': torch.float64, 'F16': torch.float16, 'BF16': torch.bfloat16, 'I32': torch.int32, 'I64': torch.int64}
NAMES = {v: k for k, v in DTYPES.items()}


def load_file(path):
    with open(path, 'rb') as f:
        raw = f.read()
    n = struct.unpack('<Q', raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    header.pop('__metadata__', None)
    data = raw[8 + n:]
    out = {}
    for name, info in header.items():
        b, e = info['data_offsets']
        dtype = DTYPES[info['dtype']]
        t = torch.frombuffer(bytearray(data[b:e]), dtype=dtype) if e > b else torch.zeros(0, dtype=dtype)
        out[name] = t.reshape(info['shape']).clone()
    return out


def save_file(tensors, path):
    header, chunks, at = {}, [], 0
    for name, t in tensors.items():
        t = t.detach().cpu().contiguous()
        b = t.view(torch.uint8).numpy().tobytes() if t.dtype == torch.bfloat16 else t.numpy().tobytes()
        header[name] = {'dtype': NAMES[t.dtype], 'shape': list(t.shape), 'data_offsets': [at, at + len(b)]}
        chunks.append(b)
        at += len(b)
    header['__metadata__'] = {'format': 'pt'}
    h = json.dumps(header).encode()
    h += b' ' * ((8 - len(h) % 8) % 8)
    with open(path + '.tmp', 'wb') as f:
        f.write(struct.pack('<Q', len(h)) + h + b''.join(chunks))
    import os
    os.replace(path + '.tmp', path)
