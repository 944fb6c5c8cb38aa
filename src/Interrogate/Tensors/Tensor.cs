using Interrogate.Kernels;

namespace Interrogate.Tensors;

/// <summary>
/// A float32 n-dimensional array: a shared <see cref="Storage"/> array, an offset and strides.
/// Reshape of a contiguous tensor, slicing along the first axis and transpose are views that
/// share storage; everything else allocates. Gradients live in <see cref="Grad"/> and are
/// filled by <see cref="Autodiff.GradientTape"/>.
/// </summary>
public sealed partial class Tensor
{
    private static readonly Lock MaterializeLock = new();
    private float[]? storage;
    private HalfMatrix? half;

    /// <summary>
    /// The backing array, possibly shared with other views. A tensor kept in its file's 16-bit
    /// encoding (<see cref="Half"/>) or not yet allocated (<see cref="Deferred"/>) gets it on first
    /// use: converted (from then on it is an ordinary float32 tensor) or zeros.
    /// </summary>
    public float[] Storage => storage ?? Materialize();

    /// <summary>
    /// The memory-mapped bfloat16/float16 matrix this tensor still reads from, or null once it holds
    /// float32 (or never did). Matrix products read it directly and convert while packing.
    /// </summary>
    public HalfMatrix? Half => half;
    /// <summary>Index in <see cref="Storage"/> of element [0, 0, …].</summary>
    public int Offset { get; }
    /// <summary>Dimensions, outermost first. Do not mutate.</summary>
    public int[] Shape { get; }
    /// <summary>Elements to step in storage per unit step of each axis.</summary>
    public int[] Strides { get; }
    /// <summary>Total number of elements.</summary>
    public int Size { get; }

    /// <summary>True for parameters and for results of recorded ops: the tape computes a gradient for it.</summary>
    public bool RequiresGrad { get; set; }
    /// <summary>Gradient of the last backward pass, same shape as this tensor, contiguous; null until computed.</summary>
    public Tensor? Grad { get; set; }
    /// <summary>Keep <see cref="Grad"/> after backward even when this is not a leaf (hook points use it).</summary>
    public bool RetainsGrad { get; set; }
    /// <summary>Optional name (a parameter's or hook point's), for error messages and reports.</summary>
    public string? Name { get; set; }

    public Tensor(float[] storage, int offset, int[] shape, int[] strides)
    {
        this.storage = storage;
        Offset = offset;
        Shape = shape;
        Strides = strides;
        Size = Tensors.Shape.Size(shape);
    }

    /// <summary>Wraps an array (not copied) as a contiguous tensor of the given shape.</summary>
    public Tensor(float[] data, params int[] shape) : this(data, 0, shape, Tensors.Shape.ContiguousStrides(shape))
    {
        if (data.Length < Size)
            throw new ArgumentException($"array of {data.Length} floats is too small for shape {Tensors.Shape.Format(shape)}");
    }

    private Tensor(int[] shape)
    {
        Shape = shape;
        Strides = Tensors.Shape.ContiguousStrides(shape);
        Size = Tensors.Shape.Size(shape);
    }

    /// <summary>A contiguous tensor whose zeros are only allocated when first used (a parameter a loader will fill or map).</summary>
    public static Tensor Deferred(params int[] shape) => new(shape);

    /// <summary>True while a <see cref="Deferred"/> tensor has neither storage nor a mapped matrix.</summary>
    public bool IsUnallocated => storage is null && half is null;

    /// <summary>
    /// Makes an unallocated [rows, cols] tensor read <paramref name="matrix"/> in place (no float32 copy).
    /// </summary>
    public void UseHalf(HalfMatrix matrix)
    {
        if (!IsUnallocated) throw new InvalidOperationException($"tensor {Describe()} already has storage");
        if (Rank != 2 || matrix.Rows != Shape[0] || matrix.Cols != Shape[1])
            throw new ArgumentException($"a [{matrix.Rows}, {matrix.Cols}] matrix cannot back tensor {Describe()}", nameof(matrix));
        half = matrix;
    }

    // Several threads may ask at once: one array wins, and the mapped matrix is dropped after it.
    private float[] Materialize()
    {
        lock (MaterializeLock)
        {
            if (storage is { } existing) return existing;
            storage = half is { } h ? h.ToSingle() : new float[Size];
            half = null;
            return storage;
        }
    }

    public int Rank => Shape.Length;

    /// <summary>True when elements are laid out in row-major order without gaps.</summary>
    public bool IsContiguous
    {
        get
        {
            int s = 1;
            for (int i = Rank - 1; i >= 0; i--)
            {
                if (Shape[i] != 1 && Strides[i] != s) return false;
                s *= Shape[i];
            }
            return true;
        }
    }

    /// <summary>The elements as a span; only for contiguous tensors.</summary>
    public Span<float> Span
    {
        get
        {
            if (!IsContiguous) throw new InvalidOperationException($"tensor {Describe()} is not contiguous; call Contiguous() first");
            return Storage.AsSpan(Offset, Size);
        }
    }

    public static Tensor Zeros(params int[] shape) => new(new float[Tensors.Shape.Size(shape)], shape);

    /// <summary>A contiguous tensor whose contents are garbage: for ops that overwrite every element (skips clearing).</summary>
    internal static Tensor Uninitialized(params int[] shape) => new(GC.AllocateUninitializedArray<float>(Tensors.Shape.Size(shape)), shape);

    public static Tensor Full(float value, params int[] shape)
    {
        var t = Zeros(shape);
        t.Span.Fill(value);
        return t;
    }

    public static Tensor Scalar(float value) => new([value], []);

    /// <summary>Copies values into a new contiguous tensor.</summary>
    public static Tensor FromArray(ReadOnlySpan<float> values, params int[] shape)
    {
        if (values.Length != Tensors.Shape.Size(shape))
            throw new ArgumentException($"{values.Length} values do not fill shape {Tensors.Shape.Format(shape)}");
        return new Tensor(values.ToArray(), shape);
    }

    /// <summary>Element at a multi-index (slow; for tests and small reads).</summary>
    [System.Runtime.CompilerServices.IndexerName("At")]
    public float this[params int[] index]
    {
        get => Storage[FlatIndex(index)];
        set => Storage[FlatIndex(index)] = value;
    }

    private int FlatIndex(int[] index)
    {
        if (index.Length != Rank) throw new ArgumentException($"index of rank {index.Length} for tensor {Describe()}");
        int flat = Offset;
        for (int i = 0; i < Rank; i++)
        {
            if ((uint)index[i] >= (uint)Shape[i]) throw new IndexOutOfRangeException($"index {index[i]} out of range for axis {i} of {Describe()}");
            flat += index[i] * Strides[i];
        }
        return flat;
    }

    /// <summary>This tensor if contiguous, else a contiguous copy (not recorded on the tape; see Ops.Contiguous).</summary>
    public Tensor ContiguousData()
    {
        if (IsContiguous) return this;
        var result = Zeros(Shape);
        CopyStridedTo(result.Span);
        return result;
    }

    /// <summary>Copies the elements, in row-major order, into a destination span.</summary>
    public void CopyStridedTo(Span<float> destination)
    {
        if (IsContiguous) { Storage.AsSpan(Offset, Size).CopyTo(destination); return; }
        if (destination.Length < Size) throw new ArgumentException($"destination holds {destination.Length} floats; tensor {Describe()} has {Size}", nameof(destination));
        // Row by row (a permuted [B, T, H, D] view copies whole D-long runs).
        var rows = new Kernels.StridedRows(Shape, [Strides, Tensors.Shape.ContiguousStrides(Shape)], [Offset, 0]);
        int n = rows.Length, stride = rows.InnerStride[0];
        while (rows.MoveNext())
        {
            var src = Storage.AsSpan(rows.Offset[0]);
            var dst = destination.Slice(rows.Offset[1], n);
            if (stride == 1) src[..n].CopyTo(dst);
            else for (int j = 0; j < n; j++) dst[j] = src[j * stride];
        }
    }

    /// <summary>A contiguous copy that owns its storage and is not on the tape.</summary>
    public Tensor Clone()
    {
        var result = Zeros(Shape);
        CopyStridedTo(result.Span);
        return result;
    }

    /// <summary>All elements as a new array in row-major order.</summary>
    public float[] ToArray()
    {
        var a = new float[Size];
        CopyStridedTo(a);
        return a;
    }

    /// <summary>The value of a one-element tensor.</summary>
    public float Item()
    {
        if (Size != 1) throw new InvalidOperationException($"Item() on tensor {Describe()} with {Size} elements");
        return Storage[Offset];
    }

    // The gradient GradSpan last created (only such a buffer is ever reused: one assigned from
    // outside may be shared), and the buffer ReleaseGrad kept from it for the next GradSpan.
    private Tensor? createdGrad;
    private float[]? spareGrad;

    /// <summary>Gradient buffer, allocated as zeros on first use; backward rules accumulate into it.</summary>
    public Span<float> GradSpan()
    {
        if (Grad is null)
        {
            if (spareGrad is { } spare)
            {
                spareGrad = null;
                Array.Clear(spare);
                Grad = new Tensor(spare, Shape);
            }
            else Grad = Zeros(Shape);
            createdGrad = Grad;
        }
        return Grad.Span;
    }

    /// <summary>
    /// The gradient for a backward rule that writes every element of it: when there is none yet, a
    /// new one left unzeroed and <paramref name="beta"/> = 0 (overwrite); otherwise the existing one
    /// and beta = 1 (accumulate). Saves clearing a buffer only to add into it.
    /// </summary>
    internal Tensor GradForWrite(out float beta)
    {
        beta = Grad is null ? 0f : 1f;
        if (Grad is null)
        {
            Grad = spareGrad is { } spare ? new Tensor(spare, Shape) : Uninitialized(Shape);
            spareGrad = null;
            createdGrad = Grad;
        }
        return Grad;
    }

    /// <summary>
    /// Sets <see cref="Grad"/> to null but keeps its buffer for the next <see cref="GradSpan"/>, so a
    /// training loop does not allocate (and the GC does not churn) a parameter-sized array per step.
    /// Only for callers done with the old gradient tensor (optimizers' ZeroGrad): its values are
    /// overwritten by the next backward pass.
    /// </summary>
    public void ReleaseGrad()
    {
        if (Grad is { } g && ReferenceEquals(g, createdGrad)) spareGrad = g.Storage;
        Grad = null;
        createdGrad = null;
    }

    public string Describe() => (Name is null ? "" : Name + " ") + Tensors.Shape.Format(Shape);

    public override string ToString() => $"Tensor{Tensors.Shape.Format(Shape)}{(Name is null ? "" : " " + Name)}";
}
