"""PyTorch side of the project's benchmark (bench/run.ts calls it).

Measures, on the CPU with a given thread count, the same three things the
TypeScript benchmark measures on the TF.js backends:
  - the case study's GAN training step (generator 100-256-512-1024-784,
    discriminator 784-1024-512-256-1, LeakyReLU 0.2, dropout 0.3, Adam 2e-4
    with beta1 0.5, batch 128, real labels 0.9): images per second;
  - single-precision matrix products at the GAN's shapes, plain and with
    either operand transposed: GFLOPS;
  - a DCGAN-like convolution step (forward and backward): images per second.
Each figure is the median of several timed repeats after a warm-up.

Usage: python3 torch_reference.py --threads N [--repeats R] [--steps S]
Prints one JSON object on stdout.

With --serve it measures one case per request instead, so that bench/run.ts
can alternate the two sides case by case: each line on stdin is a JSON
object {"case": "gan" | "matmul" | "conv", "threads": N, "repeats": R,
"steps": S, "shape": [m, k, n], "layout": "nn"} (shape and layout for
matmul only), and each answer is one line {"value": figure}. The first line
printed, before any request, is {"torch": version, "blas": libraries}.
"""
import argparse
import json
import statistics
import time

import torch
from torch import nn
import torch.nn.functional as F


def median_rate(run, count, repeats):
    """Median over repeats of count / seconds taken by run()."""
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        rates.append(count / (time.perf_counter() - start))
    return statistics.median(rates)


def gan_step_rate(batch, steps, repeats):
    def leaky():
        return nn.LeakyReLU(0.2)

    generator = nn.Sequential(
        nn.Linear(100, 256), leaky(), nn.Linear(256, 512), leaky(),
        nn.Linear(512, 1024), leaky(), nn.Linear(1024, 784), nn.Tanh())
    discriminator = nn.Sequential(
        nn.Linear(784, 1024), leaky(), nn.Dropout(0.3),
        nn.Linear(1024, 512), leaky(), nn.Dropout(0.3),
        nn.Linear(512, 256), leaky(), nn.Dropout(0.3),
        nn.Linear(256, 1))
    g_optimizer = torch.optim.Adam(generator.parameters(), 2e-4, betas=(0.5, 0.999))
    d_optimizer = torch.optim.Adam(discriminator.parameters(), 2e-4, betas=(0.5, 0.999))
    loss = nn.BCEWithLogitsLoss()
    real = torch.rand(batch, 784) * 2 - 1
    d_labels = torch.cat([torch.full((batch, 1), 0.9), torch.zeros(batch, 1)])
    g_labels = torch.ones(batch, 1)

    def one_step():
        # Discriminator: real and generated images in one batch.
        with torch.no_grad():
            fake = generator(torch.randn(batch, 100))
        d_loss = loss(discriminator(torch.cat([real, fake])), d_labels)
        d_optimizer.zero_grad()
        d_loss.backward()
        d_optimizer.step()
        # Generator through the frozen discriminator.
        discriminator.requires_grad_(False)
        g_loss = loss(discriminator(generator(torch.randn(batch, 100))), g_labels)
        g_optimizer.zero_grad()
        g_loss.backward()
        g_optimizer.step()
        discriminator.requires_grad_(True)

    def run():
        for _ in range(steps):
            one_step()

    one_step()
    one_step()
    return median_rate(run, steps * batch, repeats)


def matmul_gflops(m, k, n, layout, repeats):
    """GFLOPS of an m x k by k x n product; layout 'nn', 'nt' or 'tn' says
    which operand is stored transposed."""
    a = torch.rand(k, m).t() if layout == "tn" else torch.rand(m, k)
    b = torch.rand(n, k).t() if layout == "nt" else torch.rand(k, n)
    out = torch.empty(m, n)
    calls = max(3, int(2e8 // (2 * m * n * k)))

    def run():
        for _ in range(calls):
            torch.mm(a, b, out=out)

    run()
    return median_rate(run, calls * 2 * m * n * k, repeats) / 1e9


def conv_step_rate(batch, steps, repeats):
    """DCGAN-like: z -> dense -> 7x7x128 -> deconv 64 -> deconv 1 (tanh),
    then conv 64 -> conv 128 -> dense logit; forward and backward."""
    g_dense = nn.Linear(100, 7 * 7 * 128)
    g_up1 = nn.ConvTranspose2d(128, 64, 5, stride=2, padding=2, output_padding=1)
    g_up2 = nn.ConvTranspose2d(64, 1, 5, stride=2, padding=2, output_padding=1)
    d_conv1 = nn.Conv2d(1, 64, 5, stride=2, padding=2)
    d_conv2 = nn.Conv2d(64, 128, 5, stride=2, padding=2)
    d_dense = nn.Linear(7 * 7 * 128, 1)
    modules = [g_dense, g_up1, g_up2, d_conv1, d_conv2, d_dense]

    def one_step():
        z = torch.randn(batch, 100)
        h = F.leaky_relu(g_dense(z), 0.2).view(batch, 128, 7, 7)
        h = F.leaky_relu(g_up1(h), 0.2)
        images = torch.tanh(g_up2(h))
        h = F.leaky_relu(d_conv1(images), 0.2)
        h = F.leaky_relu(d_conv2(h), 0.2)
        logits = d_dense(h.reshape(batch, -1))
        logits.mean().backward()
        for module in modules:
            module.zero_grad()

    def run():
        for _ in range(steps):
            one_step()

    one_step()
    return median_rate(run, steps * batch, repeats)


def serve():
    """Answers measurement requests from stdin until it closes."""
    import sys

    print(json.dumps({"torch": torch.__version__, "blas": loaded_blas()}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        torch.set_num_threads(int(request["threads"]))
        torch.manual_seed(0)
        repeats = int(request["repeats"])
        steps = int(request["steps"])
        case = request["case"]
        if case == "gan":
            value = gan_step_rate(128, steps, repeats)
        elif case == "matmul":
            m, k, n = request["shape"]
            value = matmul_gflops(m, k, n, request["layout"], repeats)
        elif case == "conv":
            value = conv_step_rate(64, max(2, steps // 3), repeats)
        else:
            raise ValueError(f"unknown case {case!r}")
        print(json.dumps({"value": value}), flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--serve", action="store_true")
    parser.add_argument("--threads", type=int)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--steps", type=int, default=10)
    args = parser.parse_args()
    if args.serve:
        serve()
        return
    if args.threads is None:
        parser.error("--threads is required without --serve")
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    shapes = [(128, 100, 256), (256, 784, 1024), (128, 1024, 784)]
    result = {
        "threads": args.threads,
        "torch": torch.__version__,
        "ganImagesPerSecond": gan_step_rate(128, args.steps, args.repeats),
        "matmulGflops": {
            f"{m}x{k}x{n}:{layout}": matmul_gflops(m, k, n, layout, args.repeats)
            for (m, k, n) in shapes
            for layout in ("nn", "nt", "tn")
        },
        "convImagesPerSecond": conv_step_rate(64, max(2, args.steps // 3), args.repeats),
    }
    result["blas"] = loaded_blas()
    print(json.dumps(result))


def loaded_blas():
    """The BLAS libraries this process mapped, e.g. OpenBLAS or the reference
    BLAS; the latter makes PyTorch's CPU products 20 to 30 times slower, so a
    comparison is only fair when the report says which one ran."""
    try:
        with open("/proc/self/maps") as maps:
            names = {line.split()[-1] for line in maps if "blas" in line.lower()}
    except OSError:
        return "unknown"
    return ", ".join(sorted(names)) or "none found"


if __name__ == "__main__":
    main()
