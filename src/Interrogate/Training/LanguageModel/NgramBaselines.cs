using Interrogate.Data.Corpora;

namespace Interrogate.Training.LanguageModel;

/// <summary>
/// The n-gram yardsticks of a trained model, all on the model's own validation windows: add-k unigram and
/// bigram (<see cref="NgramBaseline"/>) and interpolated Kneser–Ney bigram and trigram (<see cref="KneserNey"/>),
/// whose discounts are chosen on the rest of the validation split (every token outside those windows), so
/// the reported figures are never the ones the discount was tuned on.
/// </summary>
/// <param name="Unigram">Add-k unigram loss (nats/token).</param>
/// <param name="Bigram">Add-k bigram loss.</param>
/// <param name="KneserNeyBigram">Interpolated KN bigram loss at <paramref name="BigramDiscount"/>.</param>
/// <param name="BigramDiscount">The KN bigram's discount, chosen on the tuning tokens.</param>
/// <param name="KneserNeyTrigram">Interpolated KN trigram loss at <paramref name="TrigramDiscount"/>.</param>
/// <param name="TrigramDiscount">The KN trigram's discount, chosen on the tuning tokens.</param>
/// <param name="TuningTokens">Validation tokens outside the evaluation windows the discounts were chosen on (0: none, <see cref="DefaultDiscount"/> used).</param>
public sealed record NgramBaselineReport(double Unigram, double Bigram, double KneserNeyBigram, double BigramDiscount,
    double KneserNeyTrigram, double TrigramDiscount, long TuningTokens)
{
    /// <summary>The discount used when no validation tokens lie outside the evaluation windows (Chen &amp; Goodman's usual value).</summary>
    public const double DefaultDiscount = 0.75;

    /// <summary>The stronger (lower-loss) Kneser–Ney model's name and loss.</summary>
    public (string Name, double Loss) Strongest => KneserNeyTrigram <= KneserNeyBigram
        ? ("Kneser–Ney trigram", KneserNeyTrigram) : ("Kneser–Ney bigram", KneserNeyBigram);

    /// <summary>Counts the train split and measures every baseline on the validation windows starting at <paramref name="starts"/>.</summary>
    public static NgramBaselineReport Measure(TokenFile train, TokenFile validation, int vocabSize, IReadOnlyList<long> starts, int length)
    {
        var windows = starts.Select(s => validation.Read(s, length)).ToList();
        var tuning = TuningWindows(validation, starts, length);
        var (unigram, bigram) = new NgramBaseline(train, vocabSize).Measure(windows);
        var kn = KneserNey.FromFile(train, vocabSize);
        // When the windows cover the whole split there is nothing left to tune on: the textbook 0.75, never the windows themselves.
        double d2 = tuning.Count == 0 ? DefaultDiscount : kn.ChooseDiscount(tuning, 2), d3 = tuning.Count == 0 ? DefaultDiscount : kn.ChooseDiscount(tuning, 3);
        return new NgramBaselineReport(unigram, bigram, kn.Loss(windows, 2, d2), d2, kn.Loss(windows, 3, d3), d3, tuning.Sum(w => (long)w.Length));
    }

    /// <summary>Windows of up to <paramref name="length"/> tokens over every stretch of the split outside the evaluation windows.</summary>
    public static List<int[]> TuningWindows(TokenFile validation, IReadOnlyList<long> starts, int length)
    {
        var result = new List<int[]>();
        long from = 0;
        foreach (var (gapStart, gapEnd) in starts.Order().Select(s => (s, s + length)).Append((validation.Count, validation.Count)))
        {
            for (long s = from; s + 2 <= gapStart; s += length)
                result.Add(validation.Read(s, (int)Math.Min(length, gapStart - s)));
            from = Math.Max(from, gapEnd);
        }
        return result;
    }
}
