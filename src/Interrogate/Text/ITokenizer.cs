namespace Interrogate.Text;

/// <summary>
/// Turns text into token ids and back. <see cref="Encode"/> never adds special tokens itself:
/// callers that want a BOS prepend <see cref="BosId"/> (models differ on whether they expect one).
/// </summary>
public interface ITokenizer
{
    /// <summary>Number of ids, including added/special tokens (the embedding table must be at least this big).</summary>
    int VocabSize { get; }

    int? BosId { get; }
    int? EosId { get; }
    int? PadId { get; }

    /// <summary>Token ids for <paramref name="text"/>; special tokens written literally in the text are matched as such.</summary>
    int[] Encode(string text);

    /// <summary>The bytes the ids stand for; byte-level tokens may end mid-character, so this is the lossless form.</summary>
    byte[] DecodeBytes(ReadOnlySpan<int> ids);

    /// <summary>The text the ids stand for; invalid UTF-8 (a sequence cut mid-character) becomes U+FFFD.</summary>
    string Decode(ReadOnlySpan<int> ids);

    /// <summary>A readable form of one token for reports: " the" for "Ġthe"/"▁the", "&lt;0xE2&gt;" for a lone byte.</summary>
    string TokenText(int id);

    /// <summary>The raw vocabulary string of a token ("Ġthe", "▁the", "&lt;0x0A&gt;"), or null when the id is out of range.</summary>
    string? TokenString(int id);

    /// <summary>The id of a raw vocabulary string, or null when it is not in the vocabulary.</summary>
    int? TokenId(string token);
}
