"""Terraform targets: reusable modules per cloud component, thin root stacks per environment.

Layout of the generated tree::

    terraform/modules/<cloud>-<component>/{main,variables,outputs}.tf
    terraform/<environment>/<aws|gcp|azure|global>/{versions,backend,providers,main,variables,outputs}.tf

Each cloud lives in its own module of this package and is registered on its own in the emitter
registry; what they share (provider pins, backends, tags, file layout) is in ``common``.
"""
