using Interrogate.Cli.Output;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;

namespace Interrogate.Cli.Commands;

/// <summary>Tables of `sae train` and `sae eval`; every sentence is built from the measured numbers.</summary>
internal static class SaeReport
{
    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true,
    };

    public static void PrintTraining(SaeTrainingResult r, string outDir)
    {
        Terminal.Out.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"{r.Activation} dictionary of {r.Latents:N0} latents on {r.HookIn}{(r.HookIn == r.HookOut ? "" : " → " + r.HookOut)}: {r.Steps:N0} steps × {r.Batch:N0} tokens " +
            $"({r.CollectedRows:N0} rows collected in {r.CollectionSeconds:F0} s, trained at {r.TrainingTokensPerSecond:N0} tokens/s; {r.Seconds:F0} s in all) → {Path.GetFullPath(outDir)}")));
        PrintEval(r.HeldOut, null);
    }

    public static void PrintEval(SaeMeasurement main, SaeMeasurement? control)
    {
        var table = new Table().Title(Markup.Escape($"held-out: {main.Rows:N0} tokens")).AddColumns("metric", "dictionary");
        if (control is not null) table.AddColumns("random-weights control", "gap");
        void Row(string name, Func<SaeMeasurement, double?> value, string format)
        {
            string F(double? v) => v is double x ? x.ToString(format, CultureInfo.InvariantCulture) : "–";
            var cells = new List<string> { name, F(value(main)) };
            if (control is not null) cells.AddRange([F(value(control)), F(value(main) - value(control))]);
            table.AddRow([.. cells.Select(Markup.Escape)]);
        }
        Row("variance explained", m => m.VarianceExplained, "F4");
        Row("mean L0", m => m.MeanL0, "F1");
        Row("dead latents (fraction)", m => m.DeadFraction, "F4");
        Row("dense latents (> 10%)", m => m.Dense, "F0");
        Row("loss clean (nats)", m => m.Losses?.Clean, "F4");
        Row("loss spliced", m => m.Losses?.Spliced, "F4");
        Row("loss zero-ablated", m => m.Losses?.ZeroAblated, "F4");
        Row("loss mean-ablated", m => m.Losses?.MeanAblated, "F4");
        Row("loss recovered vs zero", m => m.LossRecoveredVersusZero, "F4");
        Row("loss recovered vs mean", m => m.LossRecoveredVersusMean, "F4");
        Terminal.Out.Write(table);
        var hist = new Table().Title("feature density: live latents by log10(firing frequency)").AddColumns("log10 frequency", "dictionary");
        if (control is not null) hist.AddColumns("control", "gap");
        for (int b = 0; b < main.DensityHistogram.Length; b++)
        {
            var (from, to, count) = (main.DensityHistogram[b].From, main.DensityHistogram[b].To, main.DensityHistogram[b].Count);
            var cells = new List<string> { string.Create(CultureInfo.InvariantCulture, $"[{from:F1}, {to:F1})"), Bar(count, main) };
            if (control is not null) cells.AddRange([Bar(control.DensityHistogram[b].Count, control), (count - control.DensityHistogram[b].Count).ToString("+0;-0;0", CultureInfo.InvariantCulture)]);
            hist.AddRow([.. cells.Select(Markup.Escape)]);
        }
        Terminal.Out.Write(hist);
    }

    private static string Bar(int count, SaeMeasurement m)
    {
        int max = Math.Max(1, m.DensityHistogram.Max(h => h.Count));
        return $"{new string('█', (int)Math.Round(30.0 * count / max))} {count}";
    }
}
