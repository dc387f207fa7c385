"""Fusion of two modalities, five ways, one interface: ``fusion(image, text) -> (B, out)``.

``image`` and ``text`` are :class:`Encoded`: tokens ``H`` (B, T, D) with an optional mask
(B, T), True on real tokens, and a pooled vector ``p`` (B, D). ``out`` is the number of classes
(answers, categories) or, for retrieval, the size of the joint vector.
"""

from __future__ import annotations

import torch
from torch import nn

from llmos.learn.attention import attention
from llmos.learn.types import Encoded


def mlp(inputs: int, hidden: int, out: int, dropout: float = 0.1) -> nn.Sequential:
    return nn.Sequential(
        nn.Linear(inputs, hidden), nn.ReLU(), nn.Dropout(dropout), nn.Linear(hidden, out)
    )


class EarlyFusion(nn.Module):
    """Feature level: the pooled vectors side by side, through one network,

    y = MLP([p_V ; p_T])
    """

    def __init__(self, image_dim: int, text_dim: int, out: int, hidden: int = 256) -> None:
        super().__init__()
        self.head = mlp(image_dim + text_dim, hidden, out)

    def forward(self, image: Encoded, text: Encoded) -> torch.Tensor:
        return self.head(torch.cat([image.pooled, text.pooled], dim=-1))


class LateFusion(nn.Module):
    """Decision level: a head per modality, their outputs averaged or gated,

    y = ½ (f_V(p_V) + f_T(p_T)),   or   y = g f_V(p_V) + (1 - g) f_T(p_T),
    g = sigmoid(wᵀ [p_V ; p_T] + b)
    """

    def __init__(
        self, image_dim: int, text_dim: int, out: int, hidden: int = 256, gated: bool = False
    ) -> None:
        super().__init__()
        self.image_head = mlp(image_dim, hidden, out)
        self.text_head = mlp(text_dim, hidden, out)
        self.gate = nn.Linear(image_dim + text_dim, 1) if gated else None

    def forward(self, image: Encoded, text: Encoded) -> torch.Tensor:
        seen, read = self.image_head(image.pooled), self.text_head(text.pooled)
        if self.gate is None:
            return (seen + read) / 2
        g = torch.sigmoid(self.gate(torch.cat([image.pooled, text.pooled], dim=-1)))
        return g * seen + (1 - g) * read


class HybridFusion(nn.Module):
    """Both levels: the early head's decision beside the two single-modality heads',

    y = ⅓ (MLP([p_V ; p_T]) + f_V(p_V) + f_T(p_T))
    """

    def __init__(self, image_dim: int, text_dim: int, out: int, hidden: int = 256) -> None:
        super().__init__()
        self.early = EarlyFusion(image_dim, text_dim, out, hidden)
        self.late = LateFusion(image_dim, text_dim, out, hidden)

    def forward(self, image: Encoded, text: Encoded) -> torch.Tensor:
        return (self.early(image, text) + 2 * self.late(image, text)) / 3


class CrossModalTransformer(nn.Module):
    """A single-stream cross-modal Transformer: both token sequences, each with its modality
    embedding, and a learned [CLS] token, through self-attention layers; [CLS] decides,

        H = Transformer([h_cls ; H_V W_V + e_V ; H_T W_T + e_T]),   y = W_o H[0]
    """

    def __init__(
        self,
        image_dim: int,
        text_dim: int,
        out: int,
        hidden: int = 128,
        layers: int = 2,
        heads: int = 4,
    ) -> None:
        super().__init__()
        self.image_in, self.text_in = nn.Linear(image_dim, hidden), nn.Linear(text_dim, hidden)
        self.modality = nn.Parameter(torch.zeros(2, hidden))
        self.cls = nn.Parameter(torch.zeros(1, 1, hidden))
        nn.init.normal_(self.modality, std=0.02)
        nn.init.normal_(self.cls, std=0.02)
        layer = nn.TransformerEncoderLayer(
            hidden, heads, dim_feedforward=2 * hidden, dropout=0.1, batch_first=True
        )
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.out = nn.Linear(hidden, out)

    def forward(self, image: Encoded, text: Encoded) -> torch.Tensor:
        batch = image.tokens.shape[0]
        tokens = torch.cat(
            [
                self.cls.expand(batch, -1, -1),
                self.image_in(image.tokens) + self.modality[0],
                self.text_in(text.tokens) + self.modality[1],
            ],
            dim=1,
        )
        keep = torch.cat([torch.ones(batch, 1, dtype=torch.bool), image.keep(), text.keep()], 1)
        return self.out(self.encoder(tokens, src_key_padding_mask=~keep)[:, 0])


class CoAttention(nn.Module):
    """Two streams that read each other (LXMERT's cross layer, one step): each modality's
    tokens attend to the other's, with any of the three attention scores,

        Ĥ_V = Attn(H_V, H_T, H_T),   Ĥ_T = Attn(H_T, H_V, H_V),
        y = MLP([mean(Ĥ_V + H_V) ; mean(Ĥ_T + H_T)])
    """

    def __init__(
        self, image_dim: int, text_dim: int, out: int, hidden: int = 128, kind: str = "scaled-dot"
    ) -> None:
        super().__init__()
        self.image_in, self.text_in = nn.Linear(image_dim, hidden), nn.Linear(text_dim, hidden)
        self.image_reads = attention(kind, hidden)
        self.text_reads = attention(kind, hidden)
        self.head = mlp(2 * hidden, hidden, out)

    def forward(self, image: Encoded, text: Encoded) -> torch.Tensor:
        h_v, h_t = self.image_in(image.tokens), self.text_in(text.tokens)
        read_v, _ = self.image_reads(h_v, h_t, h_t, text.keep())
        read_t, _ = self.text_reads(h_t, h_v, h_v, image.keep())
        pooled_v = _mean(h_v + read_v, image.keep())
        pooled_t = _mean(h_t + read_t, text.keep())
        return self.head(torch.cat([pooled_v, pooled_t], dim=-1))


class GraphFusion(nn.Module):
    """Graph fusion: every token of both modalities is a node, joined to its ``neighbours``
    most similar nodes (cosine, across modalities too) and to itself; two GCN layers (Kipf and
    Welling, 2017) pass messages, and the nodes' mean decides,

        Â = D^-½ (A + I) D^-½,   H' = ReLU(Â H W),   y = W_o mean(H'')
    """

    def __init__(
        self, image_dim: int, text_dim: int, out: int, hidden: int = 128, neighbours: int = 4
    ) -> None:
        super().__init__()
        self.image_in, self.text_in = nn.Linear(image_dim, hidden), nn.Linear(text_dim, hidden)
        self.modality = nn.Parameter(torch.zeros(2, hidden))
        self.layers = nn.ModuleList([nn.Linear(hidden, hidden) for _ in range(2)])
        self.neighbours = neighbours
        self.out = nn.Linear(hidden, out)

    def forward(self, image: Encoded, text: Encoded) -> torch.Tensor:
        nodes = torch.cat(
            [self.image_in(image.tokens) + self.modality[0],
             self.text_in(text.tokens) + self.modality[1]], dim=1,
        )  # fmt: skip
        keep = torch.cat([image.keep(), text.keep()], dim=1)
        adjacency = self.graph(nodes, keep)
        for layer in self.layers:
            nodes = torch.relu(adjacency @ layer(nodes))
        return self.out(_mean(nodes, keep))

    def graph(self, nodes: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
        """The normalised adjacency Â (B, N, N) of the k-nearest-neighbour graph of the nodes."""
        with torch.no_grad():
            unit = nn.functional.normalize(nodes, dim=-1)
            similarity = (unit @ unit.transpose(1, 2)).masked_fill(~keep[:, None, :], -2.0)
            k = min(self.neighbours + 1, nodes.shape[1])  # +1: a node is its own nearest
            nearest = similarity.topk(k, dim=-1).indices
            edges = torch.zeros_like(similarity).scatter_(-1, nearest, 1.0)
            edges = ((edges + edges.transpose(1, 2)) > 0).float()  # undirected
            edges = edges * keep[:, None, :] * keep[:, :, None]
            edges = ((edges + torch.eye(nodes.shape[1])) > 0).float()  # A + I, one self-loop each
            degree = edges.sum(-1).clamp(min=1).rsqrt()
            return degree[:, :, None] * edges * degree[:, None, :]


def _mean(tokens: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
    weights = keep.float()[:, :, None]
    return (tokens * weights).sum(1) / weights.sum(1).clamp(min=1)


FUSIONS = {
    "early": EarlyFusion,
    "late": LateFusion,
    "hybrid": HybridFusion,
    "cross-attention": CrossModalTransformer,
    "co-attention": CoAttention,
    "graph": GraphFusion,
}
