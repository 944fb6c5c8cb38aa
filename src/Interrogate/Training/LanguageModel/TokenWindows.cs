using Interrogate.Data.Corpora;
using Interrogate.Tensors;

namespace Interrogate.Training.LanguageModel;

/// <summary>
/// Which token windows a run reads. Training windows are drawn at random, from a generator seeded by
/// (seed, step) alone: the data position of step s is a pure function of s, so a resumed run reads
/// exactly the windows an uninterrupted one would, with no stream state to save beyond the step.
/// Validation windows are fixed: evenly spaced over the validation split.
/// </summary>
public static class TokenWindows
{
    /// <summary>Token ids [B, T] of training step <paramref name="step"/>.</summary>
    public static int[] TrainBatch(TokenFile tokens, ulong seed, long step, int batch, int length)
    {
        if (tokens.Count < length) throw new InputException($"the training split has {tokens.Count} tokens, fewer than one window of {length}; use a bigger corpus or a smaller --seq");
        var rng = StepRandom(seed, step);
        var ids = new int[batch * length];
        ulong starts = (ulong)(tokens.Count - length + 1);
        for (int b = 0; b < batch; b++)
            tokens.Read((long)(rng.NextUInt64() % starts), ids.AsSpan(b * length, length));
        return ids;
    }

    /// <summary>The generator of one step's windows: SplitMix-style mixing of seed and step, so nearby steps are unrelated.</summary>
    public static TensorRandom StepRandom(ulong seed, long step)
    {
        ulong z = seed * 0x9E3779B97F4A7C15UL + (ulong)step + 0x632BE59BD9B4E019UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return new TensorRandom(z ^ (z >> 31));
    }

    /// <summary>
    /// Two sets of up to <paramref name="count"/> validation windows each, interleaved over the file: the
    /// even ones of 2·count evenly spaced windows are reported, the odd ones watched by early stopping, so
    /// the loss a run reports is never on the windows that chose when it stopped. The windows do not overlap
    /// when the file holds 2·count of them; a file that holds fewer than two windows gives the same one to
    /// both sets (<c>Disjoint</c> false).
    /// </summary>
    public static (long[] Reported, long[] Stopping, bool Disjoint) ReportedAndStoppingStarts(TokenFile tokens, int count, int length)
    {
        var all = ValidationStarts(tokens, 2 * count, length);
        if (all.Length < 2) return (all, all, false);
        return ([.. all.Where((_, i) => i % 2 == 0)], [.. all.Where((_, i) => i % 2 == 1)], true);
    }

    /// <summary>Start offsets of up to <paramref name="count"/> windows spread evenly over the file (at least one).</summary>
    public static long[] ValidationStarts(TokenFile tokens, int count, int length)
    {
        if (tokens.Count < length) throw new InputException($"the validation split has {tokens.Count} tokens, fewer than one window of {length}; use a corpus with more (or longer) documents or a smaller --seq");
        long room = tokens.Count - length;
        int n = (int)Math.Min(count, tokens.Count / length);
        return [.. Enumerable.Range(0, Math.Max(1, n)).Select(i => n <= 1 ? 0 : room * i / (n - 1))];
    }
}
