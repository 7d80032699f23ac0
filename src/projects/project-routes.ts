// HTTP for projects and their environments (FeatBit's ProjectController and EnvironmentController); rules live in project-service.ts.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../platform/context.ts';
import { orgPrincipalOf } from '../platform/context.ts';
import { ok } from '../platform/envelope.ts';
import { Description, Id, Key, Name, Type, responses } from '../platform/schemas.ts';
import { projectService } from './project-service.ts';
import { SecretSchema } from '../sdk-keys/sdk-secret-view.ts';

/** FeatBit's EnvironmentSettings; null (as FeatBit's UI may send) keeps what is there. */
const Settings = Type.Object({ requireChangeComment: Type.Boolean() }, { additionalProperties: false });
const SettingsInput = Type.Optional(Type.Union([Settings, Type.Null()]));
const Environment = Type.Object({
  id: Type.String(),
  projectId: Type.String(),
  name: Type.String(),
  key: Type.String(),
  description: Type.String(),
  secrets: Type.Array(SecretSchema),
  settings: Settings,
  createdAt: Type.String(),
  updatedAt: Type.String(),
});
const Project = Type.Object({ id: Type.String(), name: Type.String(), key: Type.String(), environments: Type.Array(Environment) });
const ProjectVm = Type.Object({ id: Type.String(), name: Type.String() });

const ProjectParams = Type.Object({ projectId: Id });
const EnvParams = Type.Object({ projectId: Id, envId: Id });

export async function projectRoutes(untyped: FastifyInstance, ctx: AppContext) {
  const app = untyped.withTypeProvider<TypeBoxTypeProvider>();
  const projects = projectService(ctx);
  const tags = ['projects'];

  app.get(
    '/projects',
    { schema: { tags, summary: 'The projects, with their environments, that the caller can access [CanAccessProject, CanAccessEnv]', response: responses(Type.Array(Project)) } },
    async (request) => ok(await projects.list(orgPrincipalOf(request))),
  );

  app.post(
    '/projects',
    {
      schema: {
        tags,
        summary: 'Create a project with environments dev and prod; a taken key → 422 KeyHasBeenUsed [CreateProject on project/*]',
        body: Type.Object({ name: Name, key: Key }, { additionalProperties: false }),
        response: responses(Project),
      },
    },
    async (request) => ok(await projects.create(orgPrincipalOf(request), request.body)),
  );

  app.get('/projects/:projectId', { schema: { tags, summary: 'A project [CanAccessProject]', params: ProjectParams, response: responses(Project) } }, async (request) =>
    ok(await projects.get(orgPrincipalOf(request), request.params.projectId)),
  );

  app.put(
    '/projects/:projectId',
    {
      schema: {
        tags,
        summary: "Rename a project (its key never changes) → FeatBit's ProjectVm {id, name} [UpdateProjectSettings]",
        params: ProjectParams,
        body: Type.Object({ name: Name }, { additionalProperties: false }),
        response: responses(ProjectVm),
      },
    },
    async (request) => ok(await projects.update(orgPrincipalOf(request), request.params.projectId, request.body)),
  );

  app.delete(
    '/projects/:projectId',
    { schema: { tags, summary: 'Delete a project with its environments, flags and segments [DeleteProject]', params: ProjectParams, response: responses(Type.Boolean()) } },
    async (request) => ok(await projects.remove(orgPrincipalOf(request), request.params.projectId)),
  );

  app.post(
    '/projects/:projectId/envs',
    {
      schema: {
        tags,
        summary: 'Create an environment; a taken key → 422 KeyHasBeenUsed [CreateEnv on the project]',
        params: ProjectParams,
        body: Type.Object({ name: Name, key: Key, description: Type.Optional(Type.Union([Description, Type.Null()])), settings: SettingsInput }, { additionalProperties: false }),
        response: responses(Environment),
      },
    },
    async (request) => {
      const { description, ...rest } = request.body;
      return ok(await projects.createEnvironment(orgPrincipalOf(request), request.params.projectId, { ...rest, description: description ?? undefined }));
    },
  );

  app.get('/projects/:projectId/envs/:envId', { schema: { tags, summary: 'An environment [CanAccessEnv]', params: EnvParams, response: responses(Environment) } }, async (request) =>
    ok(await projects.getEnvironment(orgPrincipalOf(request), request.params.projectId, request.params.envId)),
  );

  app.put(
    '/projects/:projectId/envs/:envId',
    {
      schema: {
        tags,
        summary: "Update an environment's name, description and settings (its key never changes) [UpdateEnvSettings]",
        params: EnvParams,
        body: Type.Object({ name: Name, description: Type.Optional(Type.Union([Description, Type.Null()])), settings: SettingsInput }, { additionalProperties: false }),
        response: responses(Environment),
      },
    },
    async (request) => ok(await projects.updateEnvironment(orgPrincipalOf(request), request.params.projectId, request.params.envId, request.body)),
  );

  app.delete(
    '/projects/:projectId/envs/:envId',
    { schema: { tags, summary: 'Delete an environment with its flags and segments [DeleteEnv]', params: EnvParams, response: responses(Type.Boolean()) } },
    async (request) => ok(await projects.removeEnvironment(orgPrincipalOf(request), request.params.projectId, request.params.envId)),
  );
}
