using Interrogate.Nn;
using Interrogate.Tensors;

namespace Interrogate.Models;

/// <summary>
/// A model that maps a batch of inputs to class logits: the MLP, the conv net and the recurrent
/// classifier all train and evaluate through this.
/// </summary>
public interface IClassifier
{
    /// <summary>x: [batch, features] (images flattened row-major) → logits [batch, classes].</summary>
    Tensor Forward(Tensor x);

    /// <summary>The module tree, for parameters, hook points and train/eval mode.</summary>
    Module Module { get; }
}
