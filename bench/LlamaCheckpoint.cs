using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Interrogate.Bench;

/// <summary>
/// Writes a Llama-3.2-1B-shaped checkpoint (D 2048, 16 layers, 32 heads, 8 KV heads, MLP 8192,
/// vocab 128,256, tied embeddings: 1.24B parameters) straight to disk, without building a model:
/// config.json and one model.safetensors in BF16 or F32. The F32 file holds exactly the BF16
/// file's values, so the two loads compute the same model.
/// </summary>
internal static class LlamaCheckpoint
{
    private const int D = 2048, Layers = 16, Heads = 32, KvHeads = 8, HeadDim = 64, Mlp = 8192, Vocab = 128_256;

    /// <summary>Writes the folder; returns the weights file's size in bytes.</summary>
    public static long Write(string dir, bool bf16)
    {
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "config.json"), string.Create(CultureInfo.InvariantCulture,
            $$"""{"model_type": "llama", "hidden_size": {{D}}, "intermediate_size": {{Mlp}}, "num_hidden_layers": {{Layers}}, "num_attention_heads": {{Heads}}, "num_key_value_heads": {{KvHeads}}, "head_dim": {{HeadDim}}, "vocab_size": {{Vocab}}, "max_position_embeddings": 2048, "rms_norm_eps": 1e-05, "rope_theta": 500000.0, "tie_word_embeddings": true, "torch_dtype": "{{(bf16 ? "bfloat16" : "float32")}}"}"""));
        var tensors = Tensors();
        int size = bf16 ? 2 : 4;
        var header = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        long offset = 0;
        foreach (var (name, shape) in tensors)
        {
            long bytes = shape.Aggregate(1L, (a, b) => a * b) * size;
            header.Append(CultureInfo.InvariantCulture, $",\"{name}\":{{\"dtype\":\"{(bf16 ? "BF16" : "F32")}\",\"shape\":[{string.Join(',', shape)}],\"data_offsets\":[{offset},{offset + bytes}]}}");
            offset += bytes;
        }
        header.Append('}');
        while ((header.Length + 8) % 8 != 0) header.Append(' ');
        var path = Path.Combine(dir, "model.safetensors");
        using (var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
            stream.Write(length);
            stream.Write(Encoding.ASCII.GetBytes(header.ToString()));
            // One block of random values, written again at a different start for every tensor.
            var pattern = Pattern(1 << 20);
            var chunk = new byte[(1 << 16) * size];
            long start = 0;
            foreach (var (name, shape) in tensors)
            {
                long count = shape.Aggregate(1L, (a, b) => a * b);
                bool norm = shape.Length == 1;
                for (long done = 0; done < count;)
                {
                    int n = (int)Math.Min(chunk.Length / size, count - done);
                    for (int i = 0; i < n; i++)
                    {
                        ushort bits = norm ? (ushort)0x3F80 : pattern[(int)((start + done + i) % pattern.Length)];   // 1.0 for norms
                        if (bf16) BinaryPrimitives.WriteUInt16LittleEndian(chunk.AsSpan(2 * i), bits);
                        else BinaryPrimitives.WriteUInt32LittleEndian(chunk.AsSpan(4 * i), (uint)bits << 16);
                    }
                    stream.Write(chunk, 0, n * size);
                    done += n;
                }
                start += 7919;
            }
        }
        return new FileInfo(path).Length;
    }

    public static int Parameters => Tensors().Sum(t => t.Shape.Aggregate(1, (a, b) => a * b));

    private static List<(string Name, int[] Shape)> Tensors()
    {
        var list = new List<(string, int[])> { ("model.embed_tokens.weight", [Vocab, D]) };
        for (int l = 0; l < Layers; l++)
        {
            var p = $"model.layers.{l.ToString(CultureInfo.InvariantCulture)}.";
            list.Add((p + "input_layernorm.weight", [D]));
            list.Add((p + "self_attn.q_proj.weight", [Heads * HeadDim, D]));
            list.Add((p + "self_attn.k_proj.weight", [KvHeads * HeadDim, D]));
            list.Add((p + "self_attn.v_proj.weight", [KvHeads * HeadDim, D]));
            list.Add((p + "self_attn.o_proj.weight", [D, Heads * HeadDim]));
            list.Add((p + "post_attention_layernorm.weight", [D]));
            list.Add((p + "mlp.gate_proj.weight", [Mlp, D]));
            list.Add((p + "mlp.up_proj.weight", [Mlp, D]));
            list.Add((p + "mlp.down_proj.weight", [D, Mlp]));
        }
        list.Add(("model.norm.weight", [D]));
        return list;
    }

    // bfloat16 values uniform in ±0.03 (about a 1B model's initial scale), from a fixed seed.
    private static ushort[] Pattern(int count)
    {
        var rng = new Random(1234);
        var result = new ushort[count];
        for (int i = 0; i < count; i++) result[i] = (ushort)(BitConverter.SingleToUInt32Bits((float)((rng.NextDouble() * 2 - 1) * 0.03)) >> 16);
        return result;
    }
}
