namespace Interrogate.Kernels;

/// <summary>
/// Walks an n-dimensional index space row by row (a row = the innermost axis) for several operands
/// at once, each with its own strides and start offset. Broadcasting is a stride of 0; transposed
/// and sliced views are just other strides. Adjacent axes that every operand lays out contiguously
/// are merged first, so same-shape contiguous operands become one long row and the caller's row
/// kernel (usually a TensorPrimitives call) does the work.
/// <code>
/// var rows = new StridedRows(shape, [stridesA, stridesOut], [offsetA, 0]);
/// while (rows.MoveNext()) { /* rows.Offset[k] .. + rows.Length * rows.InnerStride[k] */ }
/// </code>
/// </summary>
internal sealed class StridedRows
{
    private readonly int[] outerShape;
    private readonly int[][] outerStrides;
    private readonly int[] start;
    private readonly int[] index;
    private long rowsLeft;
    private bool started;

    /// <summary>Elements in each row.</summary>
    public int Length { get; }
    /// <summary>Per operand: element step along a row (0 when the operand is broadcast along it).</summary>
    public int[] InnerStride { get; }
    /// <summary>Per operand: storage index of the current row's first element.</summary>
    public int[] Offset { get; }

    /// <param name="shape">The index space (for broadcasting, the output shape).</param>
    /// <param name="strides">Per operand, a stride for every axis of <paramref name="shape"/>.</param>
    /// <param name="offsets">Per operand, the storage index of element [0, 0, …].</param>
    public StridedRows(ReadOnlySpan<int> shape, int[][] strides, int[] offsets)
    {
        int ops = strides.Length;
        var dims = new List<int>();
        var merged = new List<int>[ops];
        for (int k = 0; k < ops; k++) merged[k] = [];
        long total = 1;
        // Innermost first: drop size-1 axes, merge an axis into the one inside it when every
        // operand steps over the inner axis exactly once per outer step.
        for (int ax = shape.Length - 1; ax >= 0; ax--)
        {
            int d = shape[ax];
            total *= d;
            if (d == 1) continue;
            int last = dims.Count - 1;
            bool mergeable = last >= 0;
            for (int k = 0; k < ops && mergeable; k++)
                mergeable = strides[k][ax] == merged[k][last] * dims[last];
            if (mergeable) { dims[last] *= d; continue; }
            dims.Add(d);
            for (int k = 0; k < ops; k++) merged[k].Add(strides[k][ax]);
        }
        start = (int[])offsets.Clone();
        Offset = (int[])offsets.Clone();
        InnerStride = new int[ops];
        if (total == 0) { Length = 0; rowsLeft = 0; outerShape = []; outerStrides = []; index = []; return; }
        if (dims.Count == 0) { dims.Add(1); for (int k = 0; k < ops; k++) merged[k].Add(0); }
        Length = dims[0];
        for (int k = 0; k < ops; k++) InnerStride[k] = merged[k][0];
        // Outer axes, stored outermost-first for the odometer.
        int outer = dims.Count - 1;
        outerShape = new int[outer];
        outerStrides = new int[ops][];
        for (int k = 0; k < ops; k++) outerStrides[k] = new int[outer];
        for (int i = 0; i < outer; i++)
        {
            outerShape[i] = dims[outer - i];
            for (int k = 0; k < ops; k++) outerStrides[k][i] = merged[k][outer - i];
        }
        index = new int[outer];
        rowsLeft = total / Length;
    }

    /// <summary>Advances to the next row; false when done.</summary>
    public bool MoveNext()
    {
        if (rowsLeft <= 0) return false;
        rowsLeft--;
        if (!started) { started = true; return true; }
        for (int ax = index.Length - 1; ax >= 0; ax--)
        {
            if (++index[ax] < outerShape[ax])
            {
                for (int k = 0; k < Offset.Length; k++) Offset[k] += outerStrides[k][ax];
                return true;
            }
            index[ax] = 0;
            for (int k = 0; k < Offset.Length; k++) Offset[k] -= outerStrides[k][ax] * (outerShape[ax] - 1);
        }
        // Unreachable while rowsLeft counts correctly; restart keeps offsets sane regardless.
        Array.Copy(start, Offset, start.Length);
        return true;
    }

    /// <summary>
    /// Strides that read a tensor of <paramref name="shape"/> (with its own <paramref name="strides"/>)
    /// as if broadcast to <paramref name="target"/>: 0 on new leading axes and on size-1 axes.
    /// </summary>
    public static int[] BroadcastStrides(ReadOnlySpan<int> shape, ReadOnlySpan<int> strides, ReadOnlySpan<int> target)
    {
        var result = new int[target.Length];
        int lead = target.Length - shape.Length;
        for (int i = 0; i < shape.Length; i++)
            result[lead + i] = shape[i] == 1 ? 0 : strides[i];
        return result;
    }
}
