using System.Globalization;
using System.Text;
using Interrogate.Models.Gpt2;

namespace Interrogate.Training.LanguageModel;

/// <summary>TRAINING.md: how a model folder was made, and how well it does against n-gram baselines.</summary>
internal static class TrainingNotes
{
    public static string Write(GptTrainingReport r, GptTrainingRequest request, Gpt2Config config)
    {
        var o = request.Options;
        var inv = CultureInfo.InvariantCulture;
        var s = new StringBuilder();
        s.AppendLine(inv, $"# {Path.GetFileName(r.ModelDirectory.TrimEnd('/'))}: GPT-2 `{r.Preset}` trained on `{r.Corpus}`");
        s.AppendLine();
        s.AppendLine("Made with:");
        s.AppendLine();
        s.AppendLine("```");
        s.AppendLine(request.CommandLine.Length > 0 ? request.CommandLine : "(library call)");
        s.AppendLine("```");
        s.AppendLine();
        s.AppendLine(inv, $"- model: {config.Layers} layers, d_model {config.DModel}, {config.Heads} heads, context {config.ContextLength}, vocab {config.VocabSize}, {r.Parameters:N0} parameters (tied embedding)");
        s.AppendLine(inv, $"- tokenizer: byte-level BPE trained on the train split, `<|endoftext|>` after every document");
        s.AppendLine(inv, $"- data: {r.TrainTokens:N0} train / {r.ValidationTokens:N0} validation / {r.TestTokens:N0} test tokens (split by document: SHA-256 of the id, 90/5/5)");
        s.AppendLine(inv, $"- training: {r.Steps:N0} of {r.TotalSteps:N0} steps{(r.StoppedEarly ? " (stopped early)" : "")}{(r.ResumedFrom is long f ? $", resumed from step {f:N0}" : "")}, batch {o.BatchSize} × {o.SequenceLength} tokens, seed {o.Seed}");
        s.AppendLine(inv, $"- AdamW lr {o.LearningRate} → {o.MinLearningRate} (warm-up {o.WarmupSteps}, cosine), β2 {o.Beta2}, weight decay {o.WeightDecay} on linear weights only, clip {o.GradientClip}");
        s.AppendLine(inv, $"- throughput: {r.TokensPerSecond:N0} tokens/s over {r.Seconds:N0} s of training in the last session");
        s.AppendLine();
        var b = r.Baselines;
        s.AppendLine(inv, $"Validation loss (nats per token, the same fixed windows for every row: {r.ReportedOn}). Early stopping and the best loss watched {r.StoppedOn}: {r.StoppingLoss:F4} at the end, best {r.BestStoppingLoss:F4}.");
        s.AppendLine();
        s.AppendLine("| model | loss | perplexity |");
        s.AppendLine("|---|---|---|");
        foreach (var (name, loss) in new[]
        {
            ("this model", r.ValidationLoss),
            ($"Kneser–Ney trigram (interpolated, D = {b.TrigramDiscount:0.00})", b.KneserNeyTrigram),
            ($"Kneser–Ney bigram (interpolated, D = {b.BigramDiscount:0.00})", b.KneserNeyBigram),
            ($"bigram (add-{NgramBaseline.AddK})", b.Bigram),
            ($"unigram (add-{NgramBaseline.AddK})", b.Unigram),
        })
            s.AppendLine(inv, $"| {name} | {loss:F4} | {Math.Exp(loss):F1} |");
        s.AppendLine();
        string tuned = b.TuningTokens == 0 ? $" (none: {NgramBaselineReport.DefaultDiscount} used)." : ".";
        s.AppendLine(inv, $"Kneser–Ney discounts were chosen from {KneserNey.DiscountGrid[0]:0.00}–{KneserNey.DiscountGrid[^1]:0.00} on the {b.TuningTokens:N0} validation tokens outside these windows{tuned}");
        s.AppendLine(inv, $"The model is **{r.MarginOverKneserNey:F3} nats/token** below the stronger baseline ({b.Strongest.Name}, {b.Strongest.Loss:F4}).");
        s.AppendLine();
        s.AppendLine("Every step's metrics are in `train_log.jsonl`; `checkpoint/` resumes the run (`--resume`).");
        return s.ToString();
    }
}
