using Interrogate.Data.Corpora;
using Interrogate.Training.LanguageModel;

namespace Interrogate.Tests.Training.LanguageModel;

public class KneserNeyTests
{
    /// <summary>A stream where the token two back decides the next one: 0 x → 1, 2 x → 3, x drawn from 4..7.</summary>
    private static int[] TrigramStream(int pairs, int seed)
    {
        var rng = new Random(seed);
        var ids = new List<int>();
        for (int i = 0; i < pairs; i++)
        {
            int head = rng.Next(2) * 2;
            ids.AddRange([head, 4 + rng.Next(4), head + 1]);
        }
        return [.. ids];
    }

    [Theory]
    [InlineData(0.1)]
    [InlineData(0.75)]
    public void Probabilities_EveryContext_SumToOne(double discount)
    {
        var kn = new KneserNey(TrigramStream(500, 1), 9);   // token 8 never occurs
        for (int a = 0; a < 9; a++)
            for (int b = 0; b < 9; b++)
            {
                Assert.Equal(1.0, Enumerable.Range(0, 9).Sum(c => kn.Trigram(a, b, c, discount)), 9);
                if (a == 0) Assert.Equal(1.0, Enumerable.Range(0, 9).Sum(c => kn.Bigram(b, c, discount)), 9);
            }
        Assert.True(kn.Unigram(8, discount) > 0);
    }

    [Fact]
    public void Loss_TwoBackDependence_TrigramFarBelowBigram()
    {
        var kn = new KneserNey(TrigramStream(2000, 2), 8);
        var heldOut = TrigramStream(200, 3);
        int[][] windows = [.. heldOut.Chunk(30)];
        double bigram = kn.Loss(windows, 2, 0.75), trigram = kn.Loss(windows, 3, 0.75);
        // Every third token is decided by the token two back: the trigram knows it (≈ 0 nats), the bigram guesses 1 or 3 (ln 2).
        Assert.True(bigram - trigram > 0.15, $"bigram {bigram:F4}, trigram {trigram:F4}");
    }

    [Fact]
    public void ChooseDiscount_AnyData_PicksTheGridMinimum()
    {
        var kn = new KneserNey(TrigramStream(300, 4), 8);
        int[][] tuning = [.. TrigramStream(100, 5).Chunk(30)];
        double chosen = kn.ChooseDiscount(tuning, 3);
        Assert.Contains(chosen, KneserNey.DiscountGrid);
        Assert.All(KneserNey.DiscountGrid, d => Assert.True(kn.Loss(tuning, 3, chosen) <= kn.Loss(tuning, 3, d)));
    }

    [Fact]
    public void TuningWindows_EvaluationWindows_NeverOverlapThem()
    {
        var path = Path.Combine(Path.GetTempPath(), $"kn-{Guid.NewGuid():N}.tok");
        try
        {
            TokenFile.Write(path, 1000, write => write([.. Enumerable.Range(0, 1000)]));
            using var file = TokenFile.Open(path);
            long[] starts = [100, 500];
            var tuning = NgramBaselineReport.TuningWindows(file, starts, 50);
            var used = tuning.SelectMany(w => w).ToHashSet();
            Assert.DoesNotContain(used, t => (t >= 100 && t < 150) || (t >= 500 && t < 550));
            Assert.Equal(900, used.Count);   // every other token is used once
        }
        finally
        {
            File.Delete(path);
        }
    }
}
