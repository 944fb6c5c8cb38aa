using Interrogate.Tensors;

namespace Interrogate.Models.Generation;

/// <summary>Picks the next token from one row of logits: greedy, or temperature / top-k / top-p sampling.</summary>
public static class Sampler
{
    /// <summary>logits: [V]. Ties in greedy mode go to the lowest id.</summary>
    public static int Next(ReadOnlySpan<float> logits, GenerationOptions options, TensorRandom rng)
    {
        if (options.Temperature == 0f) return ArgMax(logits);
        // Candidates by descending logit (lower id first among equals).
        var order = new int[logits.Length];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        var values = logits.ToArray();
        Array.Sort(order, (a, b) => values[a] != values[b] ? values[b].CompareTo(values[a]) : a.CompareTo(b));
        int kept = options.TopK > 0 ? Math.Min(options.TopK, order.Length) : order.Length;
        var probs = new double[kept];
        double max = values[order[0]] / (double)options.Temperature, total = 0;
        for (int i = 0; i < kept; i++) total += probs[i] = Math.Exp(values[order[i]] / (double)options.Temperature - max);
        if (options.TopP < 1f)
        {
            double cumulative = 0;
            int n = 0;
            while (n < kept && cumulative < options.TopP * total) cumulative += probs[n++];
            kept = Math.Max(n, 1);
            total = cumulative > 0 ? cumulative : probs[0];
        }
        double u = rng.NextDouble() * total;
        for (int i = 0; i < kept; i++)
        {
            u -= probs[i];
            if (u < 0) return order[i];
        }
        return order[kept - 1];
    }

    public static int ArgMax(ReadOnlySpan<float> logits)
    {
        int best = 0;
        for (int i = 1; i < logits.Length; i++) if (logits[i] > logits[best]) best = i;
        return best;
    }
}
