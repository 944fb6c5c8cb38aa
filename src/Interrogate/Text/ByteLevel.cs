namespace Interrogate.Text;

/// <summary>
/// GPT-2's byte↔character table: every byte maps to a printable character so that BPE can work
/// on strings. Printable Latin-1 bytes map to themselves; the rest to U+0100 upwards, in byte order.
/// </summary>
public static class ByteLevel
{
    /// <summary>Character for each byte (256 entries).</summary>
    public static readonly char[] ByteToChar = BuildByteToChar();

    /// <summary>Byte for each character below U+0200, or -1 where the character is not in the table.</summary>
    public static readonly short[] CharToByte = BuildCharToByte();

    private static char[] BuildByteToChar()
    {
        var table = new char[256];
        var next = 256;
        for (var b = 0; b < 256; b++)
        {
            var printable = b is >= '!' and <= '~' or >= '¡' and <= '¬' or >= '®' and <= 'ÿ';
            table[b] = printable ? (char)b : (char)next++;
        }
        return table;
    }

    private static short[] BuildCharToByte()
    {
        var table = new short[512];
        Array.Fill(table, (short)-1);
        for (var b = 0; b < 256; b++) table[ByteToChar[b]] = (short)b;
        return table;
    }

    /// <summary>Bytes a byte-level token string stands for, or null when it holds a character outside the table.</summary>
    public static byte[]? TokenBytes(string token)
    {
        var bytes = new byte[token.Length];
        for (var i = 0; i < token.Length; i++)
        {
            var c = token[i];
            if (c >= CharToByte.Length || CharToByte[c] < 0) return null;
            bytes[i] = (byte)CharToByte[c];
        }
        return bytes;
    }
}
