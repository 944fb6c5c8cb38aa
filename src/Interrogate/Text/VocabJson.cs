using System.Text.Json;

namespace Interrogate.Text;

/// <summary>Reads a {"token": id} vocabulary object into token strings indexed by id.</summary>
internal static class VocabJson
{
    /// <summary>Token strings indexed by id from a {"token": id} object; ids must be distinct and non-negative.</summary>
    public static string[] Read(JsonElement vocab, string path, int minimumCount = 0)
    {
        if (vocab.ValueKind != JsonValueKind.Object) throw InputException.ForFile(path, "vocabulary must be a JSON object of \"token\": id");
        var entries = new List<(string Token, int Id)>();
        foreach (var property in vocab.EnumerateObject())
        {
            if (property.Value.ValueKind != JsonValueKind.Number || !property.Value.TryGetInt32(out var id) || id < 0)
                throw InputException.ForFile(path, $"token {BpeModel.Quote(property.Name)} has id {property.Value.GetRawText()}, not a non-negative integer");
            entries.Add((property.Name, id));
        }
        // Ids may leave gaps (for added tokens), but not so many that a typo allocates gigabytes.
        long limit = 2L * (entries.Count + Math.Max(0, minimumCount)) + 1024;
        foreach (var (token, id) in entries)
            if (id >= limit)
                throw InputException.ForFile(path, $"token {BpeModel.Quote(token)} has id {id}, far past the {entries.Count} entries of the vocabulary");
        var count = Math.Max(minimumCount, entries.Count == 0 ? 0 : entries.Max(e => e.Id) + 1);
        var tokens = new string?[count];
        foreach (var (token, id) in entries)
        {
            if (tokens[id] is { } other) throw InputException.ForFile(path, $"id {id} is given to both {BpeModel.Quote(other)} and {BpeModel.Quote(token)}");
            tokens[id] = token;
        }
        // Ids only added tokens use (or none at all) get a placeholder no text can produce.
        for (var id = 0; id < count; id++) tokens[id] ??= $"\u0000unused{id}";
        return tokens!;
    }
}
