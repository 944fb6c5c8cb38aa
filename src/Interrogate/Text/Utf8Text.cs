using System.Text;

namespace Interrogate.Text;

/// <summary>UTF-8 helpers: strict decoding for files, lenient decoding for token bytes.</summary>
public static class Utf8Text
{
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Decodes <paramref name="bytes"/> or throws an <see cref="InputException"/> naming the file and the first bad byte's offset.</summary>
    public static string DecodeStrict(byte[] bytes, string path)
    {
        try
        {
            return Strict.GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            var offset = FirstInvalidOffset(bytes);
            throw InputException.ForFile(path, $"not valid UTF-8 at byte offset {offset} (0x{bytes[offset]:X2}); re-save the file as UTF-8", e);
        }
    }

    /// <summary>Reads a text file as strict UTF-8 (a leading BOM is dropped), with file errors as <see cref="InputException"/>.</summary>
    public static string ReadFile(string path)
    {
        byte[] bytes;
        try
        {
            // A FIFO or device reports length 0 and would block or never end once read: anything
            // that reports no bytes is read as empty without opening it.
            IO.SpecialFile.RefusePipe(path);
            bytes = new FileInfo(path).Length == 0 ? [] : File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw InputException.ForFile(path, $"cannot read ({e.Message})", e);
        }
        var text = DecodeStrict(bytes, path);
        return text.Length > 0 && text[0] == '\uFEFF' ? text[1..] : text;
    }

    /// <summary>Offset of the first byte that does not start a valid UTF-8 sequence, or -1 when all are valid.</summary>
    public static int FirstInvalidOffset(ReadOnlySpan<byte> bytes)
    {
        var offset = 0;
        while (offset < bytes.Length)
        {
            var status = System.Text.Rune.DecodeFromUtf8(bytes[offset..], out _, out var consumed);
            if (status != System.Buffers.OperationStatus.Done) return offset;
            offset += consumed;
        }
        return -1;
    }

    /// <summary>Decodes leniently: each invalid sequence becomes U+FFFD, as JavaScript's TextDecoder and Python's "replace" do.</summary>
    public static string DecodeLenient(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);
}
