using System.CommandLine;
using Interrogate.Cli.Output;
using Interrogate.Data.Corpora;
using Interrogate.Text;
using Interrogate.Text.Training;

namespace Interrogate.Cli.Commands;

/// <summary>`interrogate tokenizer train`: learns a GPT-2-style byte-level BPE from a corpus.</summary>
internal static class TokenizerCommand
{
    public static Command Create()
    {
        var tokenizer = new Command("tokenizer", "Build tokenizers");
        tokenizer.Add(CreateTrain());
        return tokenizer;
    }

    private const int MaxVocab = 1 << 20;

    private static Command CreateTrain()
    {
        var corpus = new Option<string>("--corpus") { Description = "sotu, moby-dick, or a text file / folder of *.txt and *.md files", Required = true };
        var vocab = new Option<int>("--vocab") { Description = "Vocabulary size: 256 bytes + merges + <|endoftext|>", DefaultValueFactory = _ => 4096 };
        var output = new Option<string>("--out") { Description = "Folder for tokenizer.json", Required = true };
        var dataDir = CommonOptions.DataDir();
        var json = CommonOptions.Json();
        var command = new Command("train", "Train a byte-level BPE tokenizer on the train split of a corpus") { corpus, vocab, output, dataDir, json };
        command.SetAction((parsed, cancel) =>
        {
            int size = parsed.GetValue(vocab);
            if (size < 257) throw new InputException($"--vocab: must be at least 257 (256 bytes + <|endoftext|>), got {size}");
            // Checked before any work: every merge the trainer may make is kept in memory.
            if (size > MaxVocab) throw new InputException($"--vocab: at most {MaxVocab:N0} (larger than any published byte-level BPE), got {size:N0}");
            var text = Corpus.Open(parsed.GetValue(corpus)!, parsed.GetValue(dataDir));
            foreach (var warning in text.Warnings) Console.Error.WriteLine($"warning: {warning}");
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var trainer = new BpeTrainer();
            foreach (var doc in text.Split(CorpusSplit.Train)) { cancel.ThrowIfCancellationRequested(); trainer.Add(doc.Read()); }
            var trained = trainer.Train(size, cancel);
            if (trained.VocabSize < size)
                throw new InputException($"--corpus {parsed.GetValue(corpus)}: has text for only {trained.VocabSize} tokens ({trained.Model.MergeCount} merges of pairs seen at least twice); lower --vocab or use a larger corpus");
            var path = Path.Combine(parsed.GetValue(output)!, "tokenizer.json");
            TokenizerJson.Write(trained, path);
            var result = new { Path = Path.GetFullPath(path), VocabSize = trained.VocabSize, Merges = trained.Model.MergeCount,
                DistinctWords = trainer.DistinctWords, Seconds = Math.Round(clock.Elapsed.TotalSeconds, 2) };
            if (parsed.GetValue(json)) Terminal.WriteJson(result);
            else Console.WriteLine($"{result.VocabSize} tokens ({result.Merges} merges from {result.DistinctWords:N0} distinct words) in {result.Seconds} s: {result.Path}");
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }
}
