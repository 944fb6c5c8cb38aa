using Interrogate.Tensors;
using Interrogate.Tensors.Autodiff;

namespace Interrogate.Models.Transformer;

/// <summary>
/// A promise that each pass's logits are read before the next pass: inside this scope, a forward pass
/// run without a tape writes its logits [B, T, V] into one buffer that the next pass of the same size
/// overwrites, instead of into a fresh array. Same bits.
/// <para>
/// Why: the logits are the largest array a pass makes (GPT-2 small, 128 tokens: 25 MB). A fresh one each
/// pass is fresh memory from the operating system, and the first write to each of its 6,000 pages is a
/// page fault; on this project's virtual machines (where freed memory goes back to the host) that was
/// about 43 ms of a 200 ms pass. PyTorch's allocator hands the freed block back instead. Callers that keep
/// logits across passes (generation with a cache keeps only the last row; a caller collecting logits
/// keeps them all) must stay outside the scope, or copy what they keep.
/// </para>
/// Per thread, like <see cref="Nn.HookScope"/> and <see cref="GradientTape"/>.
/// </summary>
public sealed class ReusedLogits : ThreadScope<ReusedLogits>
{
    private float[]? buffer;

    /// <summary>The buffer for <paramref name="length"/> logits when this thread is in a scope and records no tape, else null (allocate as usual).</summary>
    internal static float[]? For(long length)
    {
        if (Current is not { } scope || GradientTape.IsRecording || length > Array.MaxLength) return null;
        if (scope.buffer?.Length != length) scope.buffer = GC.AllocateUninitializedArray<float>((int)length);
        return scope.buffer;
    }

    protected override void OnEnd() => buffer = null;
}
