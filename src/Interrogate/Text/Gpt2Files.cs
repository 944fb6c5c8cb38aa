using Interrogate.Formats;

namespace Interrogate.Text;

/// <summary>
/// GPT-2's original tokenizer files: <c>vocab.json</c> ({"token": id}, also shipped as encoder.json)
/// and <c>merges.txt</c> ("#version" line, then "left right" per line, best first; also vocab.bpe).
/// </summary>
public static class Gpt2Files
{
    public const string EndOfText = "<|endoftext|>";

    public static BpeTokenizer Load(string vocabPath, string mergesPath)
    {
        string[] tokens;
        using (var doc = JsonFile.ParseDocument(vocabPath)) tokens = VocabJson.Read(doc.RootElement, vocabPath);
        var merges = ReadMerges(mergesPath);
        var model = new BpeModel(tokens, merges, $"{vocabPath} + {mergesPath}");
        // <|endoftext|> is both BOS and EOS for GPT-2, and matched literally as Hugging Face does.
        var eot = model.TryGetId(EndOfText, out var id) ? id : (int?)null;
        AddedToken[] added = eot is { } e ? [new AddedToken(e, EndOfText, Special: true)] : [];
        return new BpeTokenizer(model, new BpeOptions(), added, vocabPath) { BosId = eot, EosId = eot };
    }

    public static List<(string Left, string Right)> ReadMerges(string path)
    {
        if (!File.Exists(path)) throw InputException.ForFile(path, "file not found");
        var lines = Utf8Text.ReadFile(path).Split('\n');
        var merges = new List<(string, string)>(lines.Length);
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (line.Length == 0 || (i == 0 && line.StartsWith("#version", StringComparison.Ordinal))) continue;
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 2) throw InputException.ForFile(path, $"line {i + 1} has {parts.Length} parts, expected \"left right\"");
            merges.Add((parts[0], parts[1]));
        }
        return merges;
    }
}
