using Interrogate.Numerics;
using System.Numerics.Tensors;
using Interrogate.Kernels;
using Interrogate.Tensors.Autodiff;

namespace Interrogate.Tensors;

// The pattern every op follows: compute the forward into a new tensor, then, only when the
// tape asks for it, record the backward rule right beside it. Rules accumulate (+=) into inputs.
public static partial class Ops
{
    /// <summary>max(x, 0), elementwise. x: any shape; result: same shape.</summary>
    public static Tensor Relu(this Tensor x) => Elementwise(x,
        (xs, ys) => TensorPrimitives.Max(xs, 0f, ys),
        (xs, _, gs, gx) => Activations.ReluBackward(xs, gs, gx));

    /// <summary>tanh(x), elementwise. x: any shape; result: same shape.</summary>
    public static Tensor Tanh(this Tensor x) => Elementwise(x,
        (xs, ys) => TensorPrimitives.Tanh(xs, ys),
        (_, ys, gs, gx) => { for (int i = 0; i < gs.Length; i++) gx[i] += gs[i] * (1f - ys[i] * ys[i]); });

    /// <summary>1 / (1 + e^−x), elementwise. x: any shape; result: same shape.</summary>
    public static Tensor Sigmoid(this Tensor x) => Elementwise(x,
        (xs, ys) => TensorPrimitives.Sigmoid(xs, ys),
        (_, ys, gs, gx) => { for (int i = 0; i < gs.Length; i++) gx[i] += gs[i] * ys[i] * (1f - ys[i]); });

    /// <summary>x·σ(x) (SiLU / swish, Llama's MLP), elementwise. x: any shape; result: same shape.</summary>
    public static Tensor Silu(this Tensor x) => Elementwise(x,
        (xs, ys) => { TensorPrimitives.Sigmoid(xs, ys); TensorPrimitives.Multiply(ys, xs, ys); },
        (xs, _, gs, gx) =>
        {
            for (int i = 0; i < gs.Length; i++)
            {
                float s = 1f / (1f + MathF.Exp(-xs[i]));
                gx[i] += gs[i] * s * (1f + xs[i] * (1f - s));
            }
        });

    /// <summary>
    /// GELU, elementwise. x: any shape; result: same shape. The exact form x·Φ(x) (PyTorch's
    /// default, Hugging Face "gelu") unless <paramref name="tanhApproximation"/>, which gives GPT-2's
    /// "gelu_new" ½x(1 + tanh(√(2/π)(x + 0.044715x³))).
    /// </summary>
    public static Tensor Gelu(this Tensor x, bool tanhApproximation = false) => tanhApproximation
        ? Elementwise(x, (xs, ys) => Activations.GeluTanh(xs, ys), (xs, _, gs, gx) => Activations.GeluTanhBackward(xs, gs, gx), parallel: true)
        : Elementwise(x, (xs, ys) => Activations.GeluErf(xs, ys), (xs, _, gs, gx) => Activations.GeluErfBackward(xs, gs, gx), parallel: true);

    /// <summary>e^x, elementwise. x: any shape; result: same shape.</summary>
    public static Tensor Exp(this Tensor x) => Elementwise(x,
        (xs, ys) => TensorPrimitives.Exp(xs, ys),
        (_, ys, gs, gx) => { for (int i = 0; i < gs.Length; i++) gx[i] += gs[i] * ys[i]; });

    /// <summary>Natural logarithm, elementwise. x: any shape (positive); result: same shape.</summary>
    public static Tensor Log(this Tensor x) => Elementwise(x,
        (xs, ys) => TensorPrimitives.Log(xs, ys),
        (xs, _, gs, gx) => { for (int i = 0; i < gs.Length; i++) gx[i] += gs[i] / xs[i]; });

    /// <summary>√x, elementwise. x: any shape (non-negative); result: same shape.</summary>
    public static Tensor Sqrt(this Tensor x) => Elementwise(x,
        (xs, ys) => TensorPrimitives.Sqrt(xs, ys),
        (_, ys, gs, gx) => { for (int i = 0; i < gs.Length; i++) gx[i] += 0.5f * gs[i] / ys[i]; });

    /// <summary>x², elementwise. x: any shape; result: same shape.</summary>
    public static Tensor Square(this Tensor x) => Elementwise(x,
        (xs, ys) => TensorPrimitives.Multiply(xs, xs, ys),
        (xs, _, gs, gx) => { for (int i = 0; i < gs.Length; i++) gx[i] += 2f * gs[i] * xs[i]; });

    /// <summary>x^p, elementwise. x: any shape (positive unless p is an integer); result: same shape.</summary>
    public static Tensor Pow(this Tensor x, float p) => Elementwise(x,
        (xs, ys) => TensorPrimitives.Pow(xs, p, ys),
        (xs, _, gs, gx) => { for (int i = 0; i < gs.Length; i++) gx[i] += gs[i] * p * MathF.Pow(xs[i], p - 1f); });

    /// <summary>−x. x: any shape; result: same shape.</summary>
    public static Tensor Neg(this Tensor x) => x.Mul(-1f);

    /// <summary>x + c. x: any shape; result: same shape.</summary>
    public static Tensor Add(this Tensor x, float c) => Elementwise(x,
        (xs, ys) => TensorPrimitives.Add(xs, c, ys),
        (_, _, gs, gx) => TensorPrimitives.Add(gx, gs, gx));

    /// <summary>x · c. x: any shape; result: same shape.</summary>
    public static Tensor Mul(this Tensor x, float c) => Elementwise(x,
        (xs, ys) => TensorPrimitives.Multiply(xs, c, ys),
        (_, _, gs, gx) => TensorPrimitives.MultiplyAdd(gs, c, gx, gx));

    private delegate void SpanForward(ReadOnlySpan<float> x, Span<float> y);
    private delegate void SpanBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> g, Span<float> gx);

    /// <summary>
    /// Runs an elementwise op: forward over contiguous data, backward adding into x's gradient
    /// (which is contiguous in x's logical order, so a non-contiguous x is handled by one copy).
    /// Costly kernels (erf) pass <paramref name="parallel"/> to split large tensors across threads.
    /// </summary>
    private static Tensor Elementwise(Tensor x, SpanForward forward, SpanBackward backward, bool parallel = false)
    {
        var xc = x.ContiguousData();
        var y = Tensor.Uninitialized(x.Shape);
        Chunked(y.Size, parallel, (start, length) =>
            forward(xc.Storage.AsSpan(xc.Offset + start, length), y.Storage.AsSpan(start, length)));
        if (GradientTape.ShouldRecord(x))
            GradientTape.Record(y, g =>
            {
                x.GradSpan();
                var gx = x.Grad!;
                Chunked(y.Size, parallel, (start, length) => backward(
                    xc.Storage.AsSpan(xc.Offset + start, length), y.Storage.AsSpan(start, length),
                    g.Storage.AsSpan(g.Offset + start, length), gx.Storage.AsSpan(gx.Offset + start, length)));
            });
        return y;
    }

    private const int ChunkSize = 1 << 14;

    /// <summary>Calls body(start, length) over [0, n) in chunks, on several threads when asked and worthwhile.</summary>
    private static void Chunked(int n, bool parallel, Action<int, int> body)
    {
        if (!parallel || n <= ChunkSize) { body(0, n); return; }
        int chunks = (n + ChunkSize - 1) / ChunkSize;
        Parallelism.For(chunks, c => body(c * ChunkSize, Math.Min(ChunkSize, n - c * ChunkSize)));
    }
}
