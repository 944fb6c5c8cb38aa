using Interrogate.Models.Transformer;
using Interrogate.Tensors;

namespace Interrogate.Subjects;

/// <summary>One training batch of a subject; each kind of subject reads only its own kind.</summary>
public abstract record SubjectBatch;

/// <summary>Token windows of a language model: every position predicts the next token. Tokens: [B, T].</summary>
public sealed record TokenWindowBatch(TokenBatch Tokens) : SubjectBatch;

/// <summary>Labelled rows of a classifier. X: [N, features]; Y: [N] class indices.</summary>
public sealed record LabelledBatch(Tensor X, int[] Y) : SubjectBatch;
