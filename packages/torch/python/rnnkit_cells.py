# Recurrent cells PyTorch has no module for, written from rnnkit's shared/CELLS.md, with
# parameters under exactly rnnkit's state_dict names (weight_ih_l0, ln_gates_weight_l1_reverse, ...)
# so a state_dict moves between rnnkit and PyTorch with strict loading both ways.
# Batch-first like rnnkit: x [B, T, F] (ConvLSTM: [B, T, C, H, W]); directions concatenate on axis 2.
import torch
from torch import nn
import torch.nn.functional as F

LN_EPS = 1e-5  # PyTorch LayerNorm's default, as rnnkit's layerNorm LSTM uses


def _act(name):
    return torch.tanh if name == 'tanh' else torch.relu


def _linear(x, w, b=None):
    return F.linear(x, w, b)


# Each cell: init(p, x_t) -> zero states, step(p, x_t, states) -> states; state 0 is the step's output.
class GruOriginal:
    # r, z as nn.GRU; n = tanh(W_in x + b_in + W_hn (r ⊙ h) + b_hn); h' = (1 − z) ⊙ n + z ⊙ h
    def init(self, p, x):
        return [x.new_zeros(x.shape[0], p['weight_hh'].shape[1])]

    def step(self, p, x, s):
        h = s[0]
        H = h.shape[1]
        xr, xz, xn = _linear(x, p['weight_ih'], p['bias_ih']).chunk(3, 1)
        hr, hz = _linear(h, p['weight_hh'][:2 * H], p['bias_hh'][:2 * H]).chunk(2, 1)
        r = torch.sigmoid(xr + hr)
        z = torch.sigmoid(xz + hz)
        n = torch.tanh(xn + _linear(r * h, p['weight_hh'][2 * H:], p['bias_hh'][2 * H:]))
        return [n + z * (h - n)]


class Ctrnn:
    # h' = (1 − α) h + α act(W_ih x + b_ih + W_hh h + b_hh)
    def __init__(self, alpha, nonlinearity):
        self.alpha, self.act = alpha, _act(nonlinearity)

    def init(self, p, x):
        return [x.new_zeros(x.shape[0], p['weight_hh'].shape[1])]

    def step(self, p, x, s):
        h = s[0]
        a = self.act(_linear(x, p['weight_ih'], p['bias_ih']) + _linear(h, p['weight_hh'], p['bias_hh']))
        return [(1 - self.alpha) * h + self.alpha * a]


class Jordan:
    # a = act(W_ih x + b_ih + W_hh s + b_hh), y = tanh(W_ho a + b_ho), s' = y
    def __init__(self, nonlinearity):
        self.act = _act(nonlinearity)

    def init(self, p, x):
        return [x.new_zeros(x.shape[0], p['weight_ho'].shape[0])]

    def step(self, p, x, s):
        a = self.act(_linear(x, p['weight_ih'], p['bias_ih']) + _linear(s[0], p['weight_hh'], p['bias_hh']))
        return [torch.tanh(_linear(a, p['weight_ho'], p['bias_ho']))]


class MinGru:
    # blocks z, h~ of W_ih x + b_ih; h' = (1 − σ(z~)) ⊙ h + σ(z~) ⊙ h~ (h~ raw: the paper's vanilla form)
    def init(self, p, x):
        return [x.new_zeros(x.shape[0], p['weight_ih'].shape[0] // 2)]

    def step(self, p, x, s):
        zt, ht = _linear(x, p['weight_ih'], p['bias_ih']).chunk(2, 1)
        z = torch.sigmoid(zt)
        return [(1 - z) * s[0] + z * ht]


class MinLstm:
    # blocks f, i, h~; h' = (σ(f~) ⊙ h + σ(i~) ⊙ h~) / (σ(f~) + σ(i~))
    def init(self, p, x):
        return [x.new_zeros(x.shape[0], p['weight_ih'].shape[0] // 3)]

    def step(self, p, x, s):
        ft, it, ht = _linear(x, p['weight_ih'], p['bias_ih']).chunk(3, 1)
        f, i = torch.sigmoid(ft), torch.sigmoid(it)
        return [(f * s[0] + i * ht) / (f + i)]


class PeepholeLstm:
    # i, f peek at c_{t−1}, o at c_t; peephole blocks i, f, o
    def init(self, p, x):
        H = p['weight_hh'].shape[1]
        return [x.new_zeros(x.shape[0], H), x.new_zeros(x.shape[0], H)]

    def step(self, p, x, s):
        h, c = s
        pi, pf, po = p['weight_peephole'].chunk(3)
        zi, zf, zg, zo = (_linear(x, p['weight_ih'], p['bias_ih']) + _linear(h, p['weight_hh'], p['bias_hh'])).chunk(4, 1)
        i = torch.sigmoid(zi + pi * c)
        f = torch.sigmoid(zf + pf * c)
        c2 = f * c + i * torch.tanh(zg)
        o = torch.sigmoid(zo + po * c2)
        return [o * torch.tanh(c2), c2]


class LayerNormLstm:
    # z = W_ih x + W_hh h (no biases); each gate block layer-normalised with its own γ, β; the
    # normalised cell is what is carried
    def init(self, p, x):
        H = p['weight_hh'].shape[1]
        return [x.new_zeros(x.shape[0], H), x.new_zeros(x.shape[0], H)]

    def step(self, p, x, s):
        h, c = s
        H = h.shape[1]
        z = (_linear(x, p['weight_ih']) + _linear(h, p['weight_hh'])).chunk(4, 1)
        g_w, g_b = p['ln_gates_weight'].chunk(4), p['ln_gates_bias'].chunk(4)
        n = [F.layer_norm(z[j], (H,), g_w[j], g_b[j], LN_EPS) for j in range(4)]
        i, f, g, o = torch.sigmoid(n[0]), torch.sigmoid(n[1]), torch.tanh(n[2]), torch.sigmoid(n[3])
        c2 = F.layer_norm(f * c + i * g, (H,), p['ln_cell_weight'], p['ln_cell_bias'], LN_EPS)
        return [o * torch.tanh(c2), c2]


class ConvLstm:
    # pre = conv(x, W_ih) + b_ih + conv(h, W_hh) + b_hh ("same" padding k // 2), then LSTM gates
    def __init__(self, kernel_size):
        self.pad = kernel_size // 2

    def init(self, p, x):
        Hc = p['weight_hh'].shape[1]
        z = x.new_zeros(x.shape[0], Hc, x.shape[2], x.shape[3])
        return [z, z.clone()]

    def step(self, p, x, s):
        h, c = s
        pre = F.conv2d(x, p['weight_ih'], p['bias_ih'], padding=self.pad) + F.conv2d(h, p['weight_hh'], p['bias_hh'], padding=self.pad)
        i, f, g, o = pre.chunk(4, 1)
        c2 = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        return [torch.sigmoid(o) * torch.tanh(c2), c2]


def make_cell(kind, options):
    if kind == 'gru':
        return GruOriginal()
    if kind == 'ctrnn':
        return Ctrnn(options['alpha'], options['nonlinearity'])
    if kind == 'jordan':
        return Jordan(options['nonlinearity'])
    if kind == 'minGru':
        return MinGru()
    if kind == 'minLstm':
        return MinLstm()
    if kind == 'lstmPeephole':
        return PeepholeLstm()
    if kind == 'lstmLayerNorm':
        return LayerNormLstm()
    if kind == 'convLstm':
        return ConvLstm(options['kernelSize'])
    raise ValueError(f'rnnkit_cells: no PyTorch form for cell {kind!r}')


class Recurrent(nn.Module):
    """A stacked, optionally bidirectional layer of one rnnkit cell, as rnnkit's generic loop runs it.

    forward(x) returns (every step's output [B, T, D·O, ...], the last layer's final outputs
    concatenated over directions [B, D·O, ...]), the two things rnnkit's returnSequences chooses between.
    """

    def __init__(self, kind, options, shapes, num_layers, bidirectional, dropout):
        super().__init__()
        self.cell = make_cell(kind, options)
        self.num_layers, self.directions, self.dropout = num_layers, 2 if bidirectional else 1, dropout
        # Zeros: every value comes from the exported state_dict (load_state_dict(strict=True)).
        for name, shape in shapes.items():
            self.register_parameter(name, nn.Parameter(torch.zeros(shape)))
        self.groups = []
        for k in range(num_layers):
            row = []
            for d in range(self.directions):
                suffix = f'_l{k}' + ('_reverse' if d == 1 else '')
                row.append({n[:-len(suffix)]: n for n in shapes if n.endswith(suffix)})
            self.groups.append(row)

    def forward(self, x):
        finals = []
        for k in range(self.num_layers):
            if k > 0 and self.dropout > 0:
                x = F.dropout(x, self.dropout, self.training)
            outs, finals = [], []
            for d in range(self.directions):
                p = {local: getattr(self, full) for local, full in self.groups[k][d].items()}
                steps = x.unbind(1)
                order = range(len(steps) - 1, -1, -1) if d == 1 else range(len(steps))
                s = self.cell.init(p, steps[0])
                ys = [None] * len(steps)
                for t in order:
                    s = self.cell.step(p, steps[t], s)
                    ys[t] = s[0]
                outs.append(torch.stack(ys, 1))
                finals.append(s[0])
            x = torch.cat(outs, 2) if len(outs) > 1 else outs[0]
        return x, torch.cat(finals, 1) if len(finals) > 1 else finals[0]
