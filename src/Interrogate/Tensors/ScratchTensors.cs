namespace Interrogate.Tensors;

/// <summary>
/// Reusable arrays for the short-lived intermediates of an inference pass (a block's normalised
/// input, its q|k|v, its MLP neurons), so that a forward pass does not allocate, fault in and let the
/// GC sweep tens of megabytes of fresh large-object pages per call. Only code that knows no one else
/// holds a tensor (no hook saw it, no tape recorded it) may <see cref="Return"/> it; contents of a
/// rented tensor are garbage.
/// </summary>
internal static class ScratchTensors
{
    // A forward pass holds at most a few intermediates of one size at a time; a small cap per size
    // and in all keeps the pool from growing with every shape a session has seen.
    private const int PerLength = 3;
    private const long MaxBytes = 256L << 20;
    private static readonly Lock Gate = new();
    private static readonly Dictionary<int, Stack<float[]>> Free = [];
    private static long heldBytes;

    /// <summary>A contiguous tensor of this shape over a pooled (or new) array; its values are garbage.</summary>
    public static Tensor Rent(params int[] shape)
    {
        int size = Shape.Size(shape);
        lock (Gate)
        {
            if (Free.TryGetValue(size, out var stack) && stack.TryPop(out var array))
            {
                heldBytes -= 4L * array.Length;
                return new Tensor(array, shape);
            }
        }
        return new Tensor(GC.AllocateUninitializedArray<float>(size), shape);
    }

    /// <summary>Gives a tensor's array back for reuse; the tensor must not be read or written afterwards.</summary>
    public static void Return(Tensor tensor)
    {
        var array = tensor.Storage;
        if (tensor.Offset != 0 || array.Length != tensor.Size || array.Length == 0) return;
        lock (Gate)
        {
            if (heldBytes + 4L * array.Length > MaxBytes) return;
            if (!Free.TryGetValue(array.Length, out var stack)) Free[array.Length] = stack = new Stack<float[]>();
            if (stack.Count >= PerLength || stack.Contains(array)) return;
            stack.Push(array);
            heldBytes += 4L * array.Length;
        }
    }
}
