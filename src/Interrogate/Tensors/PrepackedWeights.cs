using Interrogate.Kernels;
using Interrogate.Tensors.Autodiff;

namespace Interrogate.Tensors;

/// <summary>
/// A promise that weights do not change: inside this scope, <see cref="Ops.Linear"/> run without a
/// tape packs each weight it multiplies by into the GEMM's panel layout once and reuses the packed
/// copy on every later pass, instead of packing it again on every call (at 128 tokens that packing
/// is a read and a write of every weight per pass). Same bits as without the scope.
/// <para>
/// Weights are plain arrays anyone may write into (optimizers, pruning, edits), and nothing counts
/// those writes, so the packed copies are only trusted inside a scope whose owner promises not to
/// change the weights: dispose it (or call <see cref="Clear"/>) after changing one. Costs one extra
/// copy of every weight packed (native memory, freed on dispose; GPT-2 small: ~0.5 GB), up to
/// <see cref="ByteLimit"/>, past which weights are multiplied as without the scope.
/// </para>
/// Per thread, like <see cref="Nn.HookScope"/> and <see cref="GradientTape"/>.
/// <code>
/// using (new PrepackedWeights())
///     foreach (var batch in batches) model.Forward(batch);
/// </code>
/// </summary>
public sealed class PrepackedWeights : ThreadScope<PrepackedWeights>
{
    /// <summary>The default <see cref="ByteLimit"/>: 2 GiB (GPT-2 small needs ~0.5 GB, GPT-2 medium ~1.4 GB).</summary>
    public const long DefaultByteLimit = 2L << 30;

    private readonly Dictionary<Tensor, (float[] Storage, PackedMatrix Packed)> packed = new(ReferenceEqualityComparer.Instance);

    public PrepackedWeights(long byteLimit = DefaultByteLimit)
    {
        if (byteLimit < 0)
        {
            Dispose();   // the base made this scope current: undo that before refusing
            throw new ArgumentOutOfRangeException(nameof(byteLimit), byteLimit, "must be zero or more");
        }
        ByteLimit = byteLimit;
    }

    /// <summary>The most native memory the packed copies may hold together.</summary>
    public long ByteLimit { get; }

    /// <summary>Native memory the packed copies hold now.</summary>
    public long Bytes { get; private set; }

    /// <summary>How many weights are packed.</summary>
    public int Count => packed.Count;

    /// <summary>Frees every packed copy: the next pass packs afresh (after weights were changed).</summary>
    public void Clear()
    {
        foreach (var (_, p) in packed.Values) p.Dispose();
        packed.Clear();
        Bytes = 0;
    }

    /// <summary>
    /// The packed copy of weight [n, k] for a product x[rows, k]·weightᵀ, packing it now if need be;
    /// null when this product is multiplied as without the scope: taped, a 16-bit weight, a
    /// non-contiguous one, another backend or the reference kernel, a product small enough for
    /// the unblocked kernel (it would give other bits), or the byte limit reached.
    /// </summary>
    internal unsafe PackedMatrix? For(Tensor weight, int rows)
    {
        if (Ended || GradientTape.IsRecording || weight.Half is not null || weight.Rank != 2 || !weight.IsContiguous) return null;
        int n = weight.Shape[0], k = weight.Shape[1];
        if (rows <= 1 || n <= 1 || k == 0 || (long)rows * n * k <= GemmSmall.TinyLimit) return null;
        if (Gemm.Backend != GemmBackend.Managed || GemmKernel.Current == GemmKernelKind.Reference) return null;
        var storage = weight.Storage;
        if (packed.TryGetValue(weight, out var entry))
        {
            if (ReferenceEquals(entry.Storage, storage) && entry.Packed.Matches) return entry.Packed;
            entry.Packed.Dispose();
            Bytes -= entry.Packed.Bytes;
            packed.Remove(weight);
        }
        long bytes = ((long)n + GemmKernel.Tiling(GemmKernel.Current).Nr) * k * sizeof(float);
        if (Bytes + bytes > ByteLimit) return null;
        PackedMatrix p;
        fixed (float* w = storage) p = new PackedMatrix(w + weight.Offset, k, n, k);
        packed[weight] = (storage, p);
        Bytes += p.Bytes;
        return p;
    }

    protected override void OnEnd() => Clear();
}
