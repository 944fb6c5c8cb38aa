using Interrogate.Tensors;

namespace Interrogate.Nn;

/// <summary>A lookup table of learned vectors, one row per id. Weight [V, D], drawn N(0, std) at construction.</summary>
public sealed class Embedding : Module
{
    public Embedding(int count, int size, TensorRandom rng, float std = 0.02f)
    {
        Weight = AddParameter("weight", rng.Normal([count, size], 0f, std));
    }

    public Tensor Weight { get; }   // [V, D]
    public int Count => Weight.Shape[0];
    public int Size => Weight.Shape[1];

    /// <summary>ids laid out as <paramref name="idsShape"/> (e.g. [B, T]) → [..idsShape, D].</summary>
    public Tensor Forward(int[] ids, params int[] idsShape) => Weight.Embedding(ids, idsShape);
}
