using Interrogate.Models.Transformer;
using Interrogate.Tensors.Autodiff;

namespace Interrogate.Tests.Models;

/// <summary>
/// Forward inside a <see cref="ReusedLogits"/> scope: the same logits bit for bit, written into one buffer
/// the next pass of that size overwrites; fresh arrays while a tape records, when suspended and after the scope.
/// </summary>
public class ReusedLogitsTests
{
    private static readonly TokenBatch Batch = new(ModelKit.RandomIds(2 * 24, 37, 5), 2, 24);

    [Fact]
    public void Forward_InScope_SameBitsIntoOneReusedBuffer()
    {
        var model = ModelKit.Gpt2();
        var other = new TokenBatch(ModelKit.RandomIds(2 * 24, 37, 6), 2, 24);
        var single = new TokenBatch(Batch.Ids[..24], 1, 24);
        float[] plain = model.Forward(Batch).ToArray(), plainOther = model.Forward(other).ToArray(), plainSingle = model.Forward(single).ToArray();
        using (new ReusedLogits())
        {
            var first = model.Forward(Batch);
            Assert.Equal(plain, first.ToArray());
            var second = model.Forward(other);
            Assert.Equal(plainOther, second.ToArray());
            Assert.Same(first.Storage, second.Storage);   // the promise: the second pass overwrote the first's logits
            Assert.Equal(plainOther, first.ToArray());
            var shorter = model.Forward(single);   // another size: a buffer of its size
            Assert.Equal(plainSingle, shorter.ToArray());
        }
        Assert.NotSame(model.Forward(Batch).Storage, model.Forward(Batch).Storage);   // after the scope: fresh again
    }

    [Fact]
    public void Forward_TapeOrSuspended_FreshLogits()
    {
        var model = ModelKit.Gpt2();
        using var scope = new ReusedLogits();
        var buffered = model.Forward(Batch);
        using (ReusedLogits.Suspend()) Assert.NotSame(buffered.Storage, model.Forward(Batch).Storage);
        using (new GradientTape())
        {
            var taped = model.Forward(Batch);
            Assert.NotSame(buffered.Storage, taped.Storage);   // a backward pass reads the logits later: never a shared buffer
            Assert.Equal(buffered.ToArray(), taped.ToArray());
        }
        Assert.Same(buffered.Storage, model.Forward(Batch).Storage);
    }

    [Fact]
    public void Forward_SoftCappedModelInScope_SameBits()
    {
        var model = Families.FamilyKit.Build("gemma2-softcap-window");   // vocabulary 43 ⊇ the batch's ids
        var plain = model.Forward(Batch).ToArray();
        using var scope = new ReusedLogits();
        Assert.Equal(plain, model.Forward(Batch).ToArray());
    }
}
