namespace Interrogate.Analysis.Explanation;

/// <summary>
/// Each token's own mean of a target, shrunk toward the target's overall mean: (Σ y + λ·m) / (n + λ)
/// for a token seen n times (unseen tokens get m). This is what token identity alone knows; the
/// explanation starts from it and the score is measured against it.
/// </summary>
internal static class TokenTable
{
    /// <param name="positions">[n] facts per token (only the ids are read).</param>
    /// <param name="target">[n] the values to average per token.</param>
    /// <param name="vocab">Vocabulary size (table length).</param>
    /// <param name="lambda">Shrinkage in pseudo-observations at the overall mean.</param>
    /// <returns>[vocab] shrunk mean per token id.</returns>
    public static float[] Fit(TokenPosition[] positions, ReadOnlySpan<double> target, int vocab, double lambda)
    {
        var count = new long[vocab];
        var sum = new double[vocab];
        double total = 0;
        for (int i = 0; i < positions.Length; i++)
        {
            total += target[i];
            int t = positions[i].Token;
            if ((uint)t < (uint)vocab) { count[t]++; sum[t] += target[i]; }
        }
        double mean = positions.Length == 0 ? 0 : total / positions.Length;
        var table = new float[vocab];
        for (int v = 0; v < vocab; v++) table[v] = (float)((sum[v] + lambda * mean) / (count[v] + lambda));
        return table;
    }

    /// <summary>The table's value at a token; ids outside the vocabulary get <paramref name="fallback"/>.</summary>
    public static double At(float[] table, int token, double fallback) => (uint)token < (uint)table.Length ? table[token] : fallback;
}
