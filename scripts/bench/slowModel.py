# Writes the slow TorchScript model of target E1 (PERFORMANCE.md) to the path given:
#   /usr/bin/python3 scripts/bench/slowModel.py out.pt
# It takes one FLOAT tensor of shape [1], a round count, and runs that many 256x256 matmuls (each
# through tanh, so values stay finite), returning the 256x256 result. The count being an input
# lets models.ts calibrate the run to ~200 ms on the machine at hand without regenerating the file.
# A file and not `python3 -c`: torch.jit.script reads the class's source through inspect.
import sys

import torch


class Slow(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        g = torch.Generator().manual_seed(0)
        # Scaled so y @ w keeps unit-ish magnitude: tanh stays out of saturation, no inf/NaN.
        self.w = torch.nn.Parameter(torch.randn(256, 256, generator=g) / 16.0, requires_grad=False)

    def forward(self, rounds: torch.Tensor) -> torch.Tensor:
        y = self.w
        for _ in range(int(rounds.item())):
            y = torch.tanh(torch.mm(y, self.w))
        return y


if __name__ == "__main__":
    torch.jit.script(Slow()).save(sys.argv[1])
