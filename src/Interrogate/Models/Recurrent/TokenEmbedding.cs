using Interrogate.Tensors;

namespace Interrogate.Models.Recurrent;

/// <summary>A learned table of token vectors, weight [V, D], drawn from N(0, 1) as PyTorch's nn.Embedding.</summary>
public sealed class TokenEmbedding : Nn.Module
{
    public Tensor Weight { get; }

    public TokenEmbedding(int vocabSize, int width, TensorRandom rng) =>
        Weight = AddParameter("weight", rng.Normal([vocabSize, width]));

    /// <summary>ids: batch·seq token ids, row-major → [batch, seq, D].</summary>
    public Tensor Forward(int[] ids, int batch, int seq) => Weight.Embedding(ids, batch, seq);
}
